// Backups with pgBackRest: WAL archiving set up through Patroni, backup, list, point-in-time restore.
export {
  takeBackup,
  listBackups,
  currentLeader,
  ensureStanza,
  checkArchiving,
  assertBackupEnabled,
  localBackupContext,
  type BackupContext,
  type LocalBackupContext,
  type BackupType,
} from './backup.js';
export { planRestore, applyRestore, parseTargetTime, type RestorePlan } from './restore.js';
export { pgbackrestRunner, type PgbackrestRunner } from './pgbackrest-runner.js';
export { parseInfo, type BackupSet, type StanzaInfo } from './info.js';
