// The local supervisor: processes, ports, state dir, logs, start/stop order.
export { up, type UpOptions, type UpResult } from './up.js';
export { down, type DownResult } from './down.js';
export { openPlatform, processesOf, type LocalPlatform } from './platform.js';
export { layoutOf, type Layout } from './layout.js';
export { NodeProcessRunner, readStartTime } from './node-process-runner.js';
export type { ProcessRunner, LaunchSpec, ProcessIdentity } from './process-runner.js';
export { SupervisedProcess, type ComponentKind, type ComponentSpec } from './supervised-process.js';
export { checkBinaries, findOnPath, INSTALL_COMMAND, type Binaries } from './binaries.js';
export { readSecrets, readStoredSpec, readStateMarker } from './state-dir.js';
export { withPg, waitUntil, primaryAndReplicasProbe } from './readiness.js';
export { isRoot } from './os-user.js';
export { silentReporter, type Reporter } from './reporter.js';
export { postgresRunAs, type OsUser } from './os-user.js';
export { isPortFree } from './ports.js';
export { pgbackrestPaths, writeBackupFiles } from './backup-files.js';
export { etcdTlsFiles } from './certs.js';
export { ensureOwnedDir, writeAtomic } from './state-dir.js';
export { haproxyRoutesProbe, patroniMembersProbe } from './readiness.js';
