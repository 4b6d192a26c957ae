// The hosts target: servers reached over SSH with pinned host keys.
export {
  connectHost,
  shellQuote,
  HostKeyError,
  type ConnectOptions,
  type ExecOptions,
  type ExecResult,
  type HostShell,
  type SshTarget,
  type WriteFileOptions,
} from './ssh.js';
export {
  fingerprintOf,
  hostKeyLine,
  keysFromKnownHosts,
  knownHostsName,
  parseHostKeyLine,
  type HostKey,
} from './host-keys.js';
