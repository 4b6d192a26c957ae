// `down` leaves nothing behind: after a switchover, during a switchover, and --purge refuses while the state dir is in use.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fastEtcdClient } from '../../src/dcs/index.js';
import { etcdTlsFiles } from '../../src/local/index.js';
import { isPortFree } from '../../src/local/index.js';
import { cli, eventually, makeStateParent, pidAlive, requireStack } from './harness.js';

const BASE = 19300;
const parent = makeStateParent('down');
const stateDir = join(parent, 'garden');
const specFile = join(parent, 'gardenos.yaml');
const flags = ['-f', specFile, '--state-dir', stateDir, '--base-port', String(BASE)];
const PORTS = [0, 1, 2, 3, 10, 11, 30, 31, 32, 40, 41, 42].map((d) => BASE + d);

/**
 * Read straight from /proc, not through gardenos: every process working in the state dir, or started
 * with it on its command line (but not a gardenos command of this test, such as a switchover in flight).
 */
function processesOfPlatform(): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      const ours = cwd.startsWith(stateDir) || (cmd.includes(stateDir) && !cmd.includes('bin/gardenos.js switchover'));
      if (ours && pidAlive(Number(entry))) found.push(`${entry} ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function assertNothingLeft(r: { code: number; stdout: string; stderr: string }): Promise<void> {
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /is down: .*no process left, every port free/);
  assert.deepEqual(processesOfPlatform(), []);
  for (const port of PORTS) assert.ok(await isPortFree('127.0.0.1', port), `port ${port} still bound`);
}

async function leaderKey(): Promise<string | null> {
  const etcd = fastEtcdClient(
    `https://127.0.0.1:${BASE + 10}`,
    3000,
    etcdTlsFiles(join(stateDir, 'certs'), 'gardenos'),
  );
  try {
    return await etcd.get('/service/garden/leader').string();
  } finally {
    etcd.close();
  }
}

describe('down leaves nothing behind', { timeout: 300_000 }, () => {
  before(async () => {
    requireStack();
    writeFileSync(specFile, 'etcd: { members: 1 }\n');
    const r = await cli(['up', ...flags]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await cli(['down', '--purge', '--yes', ...flags]);
  });

  test('up, switchover, down at once', async () => {
    const before = await leaderKey();
    for (const args of [['switchover'], ['failover', '--to', 'pg2']]) {
      const refused = await cli([...args, ...flags]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /CONFIRM_REQUIRED.*--yes was not given\. Nothing was changed/s);
    }
    assert.equal(await leaderKey(), before);
    const sw = await cli(['switchover', '--yes', ...flags]);
    assert.equal(sw.code, 0, sw.stderr);
    await assertNothingLeft(await cli(['down', ...flags]));
  });

  test('down during a switchover', async () => {
    const up = await cli(['up', ...flags]);
    assert.equal(up.code, 0, up.stderr);
    const before = await leaderKey();
    const switching = cli(['switchover', '--yes', ...flags]);
    // Down starts the moment the leader key moves: the old leader is on its way to restarting as a replica.
    await eventually(leaderKey, (k) => k !== before, 60000);
    await assertNothingLeft(await cli(['down', ...flags]));
    await switching;
  });

  test('down --purge refuses while another process works in the state dir, and deletes nothing', async () => {
    const up = await cli(['up', ...flags]);
    assert.equal(up.code, 0, up.stderr);
    const squatter = spawn('sleep', ['600'], { cwd: join(stateDir, 'logs'), stdio: 'ignore' });
    try {
      await eventually(
        async () => readlinkSync(`/proc/${squatter.pid}/cwd`),
        (cwd) => cwd.startsWith(stateDir),
      );
      const r = await cli(['down', '--purge', '--yes', ...flags]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`pid ${squatter.pid} \\(sleep 600\\) uses ${join(stateDir, 'logs')}`));
      assert.match(r.stderr, /nothing was deleted/);
      assert.ok(existsSync(join(stateDir, 'pg', 'pg1', 'data', 'PG_VERSION')));
      // The platform itself is stopped all the same; the shell-like squatter is not ours and is left alone.
      assert.deepEqual(
        processesOfPlatform().filter((p) => !p.startsWith(`${squatter.pid} `)),
        [],
      );
      assert.ok(pidAlive(squatter.pid!));
    } finally {
      squatter.kill('SIGKILL');
    }
    await eventually(
      async () => pidAlive(squatter.pid!),
      (alive) => !alive,
    );
    const r = await cli(['down', '--purge', '--yes', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(stateDir));
  });
});
