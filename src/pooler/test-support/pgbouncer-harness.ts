// A real PgBouncer for tests: the console on a socket in a temp dir, members that are just addresses
// (PgBouncer connects to a server only when a client asks, so routing needs no PostgreSQL).
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { loadSpec } from '../../spec/index.js';
import {
  renderPgbouncerHba,
  renderPgbouncerIni,
  renderPgbouncerRoute,
  renderPgbouncerUsers,
  type PgbouncerInput,
} from '../../render/pgbouncer.js';
import { PoolerAdmin } from '../admin-console.js';
import { lookupUser } from '../../runtime/index.js';
import { freePort, requireBinary, startChild, waitFor } from '../../../test/support/processes.js';

export const PGBOUNCER_INSTALL = 'sudo apt-get install -y pgbouncer';

export interface PgbouncerHarness {
  admin: PoolerAdmin;
  routeFile: string;
  port: number;
  socketDir: string;
  stop(): Promise<void>;
}

/** PgBouncer refuses to run as root: as root the harness runs it as nobody, and stays its admin user. */
export async function startPgbouncer(): Promise<PgbouncerHarness> {
  const bin = requireBinary('pgbouncer', PGBOUNCER_INSTALL);
  const dir = await mkdtemp(join(tmpdir(), 'gardenos-pgbouncer-'));
  const port = await freePort();
  const base = loadSpec('', { source: 'defaults', defaultStateDir: () => dir });
  const spec = { ...base, pooler: { ...base.pooler, port } };
  const me = userInfo().username;
  const input: PgbouncerInput = {
    spec,
    listenAddress: '127.0.0.1',
    adminUsers: [me],
    files: {
      routeFile: join(dir, 'route.ini'),
      hbaFile: join(dir, 'hba.conf'),
      usersFile: join(dir, 'users.txt'),
      socketDir: dir,
    },
  };
  await writeFile(join(dir, 'pgbouncer.ini'), renderPgbouncerIni(input));
  await writeFile(input.files.hbaFile, renderPgbouncerHba(input));
  await writeFile(input.files.usersFile, renderPgbouncerUsers(input));
  await writeFile(input.files.routeFile, renderPgbouncerRoute(null));
  const runAs = process.getuid?.() === 0 ? lookupUser('nobody') : undefined;
  if (runAs) {
    for (const f of ['', 'pgbouncer.ini', 'hba.conf', 'users.txt', 'route.ini']) {
      await chown(join(dir, f), runAs.uid, runAs.gid);
    }
  }
  const child = runAs
    ? startChild('setpriv', [
        `--reuid=${runAs.uid}`,
        `--regid=${runAs.gid}`,
        '--clear-groups',
        bin,
        join(dir, 'pgbouncer.ini'),
      ])
    : startChild(bin, [join(dir, 'pgbouncer.ini')]);
  const admin = new PoolerAdmin({ socketDir: dir, port });
  const stop = async () => {
    await child.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('PgBouncer answers on its admin console', () => admin.show('DATABASES').then(() => true), 10_000);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${child.output()}`);
  }
  return { admin, routeFile: input.files.routeFile, port, socketDir: dir, stop };
}
