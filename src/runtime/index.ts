// What every runtime shares (the local platform and the hosts target alike): waiting for states,
// PostgreSQL sessions, files written atomically, this machine's users and programs, progress
// reporting, and where the gardenos installation's own files are.
export { waitUntil, type Probe } from './wait.js';
export { acceptsPlaintext, pgClient, withPg, type PgSsl } from './pg-session.js';
export { writeAtomic, ensureOwnedDir, ensureOwnedTree } from './files.js';
export { findOnPath } from './find-on-path.js';
export { isRoot, lookupUser, postgresRunAs, type OsUser } from './os-user.js';
export { silentReporter, type Reporter } from './reporter.js';
export { primaryAndReplicasProblem } from './primary-check.js';
export { clockList, leastClockSkew, type ClockReading } from './clock-skew.js';
