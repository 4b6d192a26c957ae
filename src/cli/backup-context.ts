// Wires the pgBackRest runner for the backup, restore and up commands: the PostgreSQL user, the password in env.
import { layoutOf, readSecrets } from '../local/index.js';
import { postgresRunAs } from '../runtime/index.js';
import { localBackupContext, pgbackrestRunner, type LocalBackupContext } from '../ops/backup/index.js';
import type { Spec } from '../spec/index.js';

export function backupContext(spec: Spec): LocalBackupContext {
  const layout = layoutOf(spec.local.stateDir);
  const pgUser = postgresRunAs();
  return localBackupContext(spec, layout, pgUser, pgbackrestRunner(pgUser, readSecrets(layout).superuserPassword));
}
