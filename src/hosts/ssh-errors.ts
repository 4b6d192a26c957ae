// The SSH edge's failures in operator words: which host, what was seen or refused, and how to fix it.
import { GardenError } from '../errors.js';
import { fingerprintOf, hostKeyLine, keyKind, type HostKey } from './host-keys.js';
import type { SshTarget } from './ssh.js';

/** A refused host key: the key seen and the keys pinned, for callers that show or record them. */
export class HostKeyError extends GardenError {
  constructor(
    code: 'HOST_KEY_UNKNOWN' | 'HOST_KEY_MISMATCH',
    message: string,
    hint: string,
    readonly seenKey: string,
    readonly seenFingerprint: string,
    readonly pinnedFingerprints: string[],
  ) {
    super(code, message, { hint });
  }
}

export function where(t: SshTarget): string {
  return `${t.name} (${t.address}:${t.port})`;
}

export function unknownKeyError(target: SshTarget, seen: HostKey): HostKeyError {
  const fp = fingerprintOf(seen);
  return new HostKeyError(
    'HOST_KEY_UNKNOWN',
    `${where(target)} presented the SSH host key ${fp} (${keyKind(seen)}), and nothing pins a key for it; gardenos never trusts an unknown host key, so nothing was sent.`,
    `check on the server itself that \`ssh-keygen -lf /etc/ssh/ssh_host_${seen.type === 'ssh-ed25519' ? 'ed25519' : keyKind(seen).toLowerCase()}_key.pub\` prints ${fp}, then pin it under host ${target.name} in gardenos.yaml:  hostKey: ${hostKeyLine(seen)}`,
    hostKeyLine(seen),
    fp,
    [],
  );
}

export function mismatchError(target: SshTarget, seen: HostKey, pinned: readonly HostKey[]): HostKeyError {
  const fp = fingerprintOf(seen);
  const pinnedFps = pinned.map(fingerprintOf);
  return new HostKeyError(
    'HOST_KEY_MISMATCH',
    `WARNING: ${where(target)} presented a DIFFERENT SSH host key than the one pinned: it sent ${fp} (${keyKind(seen)}), the pin is ${pinnedFps.join(' or ')}. ` +
      'This may be a different machine at that address (reinstalled, or the address given to another server) or someone intercepting the connection (an attack). The connection was closed before any credential was sent.',
    `do not change the pin until you have checked on the server's console that its key is ${fp}; only then replace the line under host ${target.name} in gardenos.yaml with:  hostKey: ${hostKeyLine(seen)}`,
    hostKeyLine(seen),
    fp,
    pinnedFps,
  );
}

export function unreachableError(target: SshTarget, detail: string, cause: unknown): GardenError {
  return new GardenError('HOST_UNREACHABLE', `Cannot reach ${where(target)} over SSH: ${detail}.`, {
    hint: `check that the host is up, that ${target.address} is its address, that sshd listens on port ${target.port} there (\`ss -ltnp\` on the host), and that no firewall between here and it drops port ${target.port}`,
    cause,
  });
}

export function authError(target: SshTarget, detail: string, cause?: unknown): GardenError {
  const tried = target.identityFile !== undefined ? `the key ${target.identityFile}` : 'the keys of the ssh-agent';
  const pub = target.identityFile !== undefined ? `${target.identityFile}.pub` : 'your public key';
  return new GardenError('SSH_AUTH', `${where(target)} refused SSH login as ${target.user} with ${tried}: ${detail}.`, {
    hint: `append ${pub} to ~${target.user}/.ssh/authorized_keys on ${target.name} (for example \`ssh-copy-id -i ${pub} ${target.user}@${target.address}\`), or set ssh.user / ssh.identityFile of host ${target.name} to a login that works`,
    cause,
  });
}

export type SshError = Error & { level?: string; code?: string | number };

/** ssh2's failure before `ready` as one of our errors; the host key verdict, when there is one, decides first. */
export function connectError(
  target: SshTarget,
  err: SshError,
  refusal: HostKeyError | undefined,
  timeoutMs: number,
): GardenError {
  if (refusal) return refusal;
  if (err.level === 'client-authentication') return authError(target, 'every offered key was refused', err);
  if (err.level === 'client-timeout')
    return unreachableError(
      target,
      `no SSH handshake within ${timeoutMs / 1000} s (host down, isolated, or a firewall dropping packets)`,
      err,
    );
  if (err.level === 'client-socket' || typeof err.code === 'string') {
    const why: Record<string, string> = {
      ECONNREFUSED: 'the connection was refused (nothing listens on that port)',
      EHOSTUNREACH: 'no route to the host (it is down or cut off)',
      ENETUNREACH: 'the network is unreachable from here',
      ETIMEDOUT: 'the connection timed out',
      ENOTFOUND: 'the address does not resolve',
    };
    return unreachableError(target, why[String(err.code)] ?? err.message, err);
  }
  return new GardenError('HOST_UNREACHABLE', `The SSH handshake with ${where(target)} failed: ${err.message}.`, {
    hint: 'check that an OpenSSH server (not another service) listens on that port; `ssh -v` from this machine shows where it stops',
    cause: err,
  });
}
