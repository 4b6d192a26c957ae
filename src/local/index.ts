// The local runtime: the whole platform as processes on this machine (processes, ports, state dir,
// logs, start/stop order). What it shares with the hosts target is in src/runtime/.
export { up, type UpOptions, type UpResult } from './up.js';
export { down, type DownResult } from './down.js';
export { stopOrphanedPostmasters } from './postmasters.js';
export { openPlatform, processesOf, etcdClientTls, type LocalPlatform } from './platform.js';
export { layoutOf, type Layout } from './layout.js';
export { NodeProcessRunner, readStartTime } from './node-process-runner.js';
export type { ProcessRunner, LaunchSpec, ProcessIdentity } from './process-runner.js';
export { SupervisedProcess, type ComponentKind, type ComponentSpec } from './supervised-process.js';
export { checkBinaries, BinariesMissingError, INSTALL_COMMAND, type Binaries } from './binaries.js';
export { readSecrets, readStoredSpec, readStateMarker } from './state-dir.js';
export { primaryAndReplicasProbe } from './readiness.js';
export { isRoot } from '../runtime/os-user.js';
export { silentReporter, type Reporter } from '../runtime/reporter.js';
export { readSupabaseSecrets, supabaseSecretsFile } from './supabase-local.js';
export { postgresRunAs, type OsUser } from '../runtime/os-user.js';
export { isPortFree } from './ports.js';
export { pgbackrestPaths, writeBackupFiles } from './backup-files.js';
export { etcdTlsFiles, localPkiAt, localServerCa, nodeTlsFiles, patroniServerTls } from './certs.js';
export { haproxyRoutesProbe, patroniMembersProbe } from './readiness.js';
export { routerFlags } from './router-flags.js';
export { localClusterReader, localHttpTls, localPgSsl } from './server-clients.js';
export { localPoolerControl, localPoolerAdmin } from './pooler.js';
export { kernelRouteState } from './kernel-route.js';
