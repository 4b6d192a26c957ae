// Files pgBackRest needs in the state dir: its config, repository, log and lock dirs, owned by the PostgreSQL user.
import { join } from 'node:path';
import { localTopology } from '../render/topology.js';
import { renderPgbackrestConfig, type PgbackrestPaths } from '../render/pgbackrest.js';
import type { Spec } from '../spec/index.js';
import type { Layout } from './layout.js';
import type { OsUser } from '../runtime/os-user.js';
import { ensureOwnedDir, writeAtomic } from '../runtime/files.js';

export function pgbackrestPaths(layout: Layout): PgbackrestPaths {
  const dir = join(layout.root, 'backup');
  return {
    configFile: join(dir, 'pgbackrest.conf'),
    logDir: join(dir, 'log'),
    lockDir: join(dir, 'lock'),
    node: (name) => ({ dataDir: layout.pgDataDir(name), runDir: layout.nodeRunDir(name) }),
  };
}

/**
 * PostgreSQL's archive_command runs pgBackRest as the PostgreSQL user: everything it reads or
 * writes must belong to that user. The config holds no secret (pgBackRest connects over the socket
 * with the password from its environment), so 0640 is enough.
 */
export function writeBackupFiles(spec: Spec, layout: Layout, pgUser: OsUser | undefined): PgbackrestPaths | undefined {
  if (!spec.backup) return undefined;
  const paths = pgbackrestPaths(layout);
  ensureOwnedDir(join(layout.root, 'backup'), 0o750, pgUser);
  for (const dir of [paths.logDir, paths.lockDir]) ensureOwnedDir(dir, 0o750, pgUser);
  ensureOwnedDir(spec.backup.repoPath, 0o750, pgUser);
  writeAtomic(paths.configFile, renderPgbackrestConfig(spec, localTopology(spec), paths), 0o640, pgUser);
  return paths;
}
