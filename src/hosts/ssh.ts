// The SSH edge of the hosts target: connect with a verified host key (pinned, or accepted as new only
// when asked) and a key or the agent; the connected shell (commands, files) is in ssh-shell.ts.
import { readFileSync } from 'node:fs';
import { Client, type ConnectConfig } from 'ssh2';
import { GardenError, describeCause } from '../errors.js';
import {
  algorithmsFor,
  hostKeyFromBlob,
  keysFromKnownHosts,
  parseHostKeyLine,
  sameKey,
  type HostKey,
} from './host-keys.js';
import {
  authError,
  connectError,
  mismatchError,
  unknownKeyError,
  unreachableError,
  where,
  type HostKeyError,
  type SshError,
} from './ssh-errors.js';
import { Ssh2HostShell, type HostShell, type SshTarget } from './ssh-shell.js';

export { HostKeyError } from './ssh-errors.js';
export {
  shellQuote,
  type ExecOptions,
  type ExecResult,
  type HostShell,
  type SshTarget,
  type WriteFileOptions,
} from './ssh-shell.js';

export interface ConnectOptions {
  /** SSH_AUTH_SOCK, handed down by the CLI (lower layers never read the environment). */
  agentSocket?: string;
  /** Connect plus handshake plus authentication; default 10 s. */
  readyTimeoutMs?: number;
  /** Trust on first use, only when asked: accept a key when nothing is pinned, and report it (HostShell.hostKey). */
  acceptNewHostKey?: boolean;
}

function pinnedKeys(target: SshTarget): HostKey[] {
  const keys: HostKey[] = [];
  if (target.hostKey !== undefined) {
    const key = parseHostKeyLine(target.hostKey);
    if (!key) {
      throw new GardenError('HOST_KEY_UNKNOWN', `The hostKey pinned for ${where(target)} is not a public key line.`, {
        hint: 'pin the whole line from the server\'s /etc/ssh/ssh_host_ed25519_key.pub, such as "hostKey: ssh-ed25519 AAAAC3Nza..."',
      });
    }
    keys.push(key);
  }
  if (target.knownHostsFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(target.knownHostsFile, 'utf8');
    } catch (cause) {
      throw new GardenError(
        'HOST_KEY_UNKNOWN',
        `The knownHostsFile of ${where(target)}, ${target.knownHostsFile}, cannot be read: ${describeCause(cause)}.`,
        {
          hint: 'point knownHostsFile at an existing known_hosts file, or pin the key with hostKey instead',
          cause,
        },
      );
    }
    keys.push(...keysFromKnownHosts(text, target.address, target.port));
  }
  return keys;
}

function authConfig(target: SshTarget, opts: ConnectOptions): Pick<ConnectConfig, 'privateKey' | 'agent'> {
  if (target.identityFile !== undefined) {
    try {
      return { privateKey: readFileSync(target.identityFile) };
    } catch (cause) {
      throw authError(target, `the identity file cannot be read (${describeCause(cause)})`, cause);
    }
  }
  if (opts.agentSocket) return { agent: opts.agentSocket };
  throw new GardenError(
    'SSH_AUTH',
    `No way to log in to ${where(target)}: host ${target.name} has no ssh.identityFile and no ssh-agent is running (SSH_AUTH_SOCK is not set).`,
    {
      hint: `set ssh.identityFile of host ${target.name} to a private key whose .pub is in ~${target.user}/.ssh/authorized_keys there, or start an agent (\`eval $(ssh-agent) && ssh-add\`)`,
    },
  );
}

/** Opens an SSH connection whose host key is always verified against the pins (or accepted as new only when asked). */
export async function connectHost(target: SshTarget, opts: ConnectOptions = {}): Promise<HostShell> {
  const pinned = pinnedKeys(target);
  const { client, seen } = await openClient(target, opts, pinned);
  // A connection that breaks is opened again for commands that change nothing, to the same key only.
  const reopen = async () => (await openClient(target, { ...opts, acceptNewHostKey: false }, [seen])).client;
  return new Ssh2HostShell(client, target, seen, pinned.length === 0, reopen);
}

async function openClient(
  target: SshTarget,
  opts: ConnectOptions,
  pinned: readonly HostKey[],
): Promise<{ client: Client; seen: HostKey }> {
  const auth = authConfig(target, opts);
  const timeoutMs = opts.readyTimeoutMs ?? 10_000;
  let seen: HostKey | undefined;
  let refusal: HostKeyError | undefined;
  const verify = (blob: Buffer): boolean => {
    seen = hostKeyFromBlob(blob);
    if (pinned.some((k) => sameKey(k, seen!))) return true;
    if (pinned.length === 0 && opts.acceptNewHostKey === true) return true;
    refusal = pinned.length === 0 ? unknownKeyError(target, seen) : mismatchError(target, seen, pinned);
    return false;
  };
  const preferred = [...new Set(pinned.flatMap((k) => algorithmsFor(k.type)))];
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    const fail = (err: SshError) => {
      client.end();
      reject(connectError(target, err, refusal, timeoutMs));
    };
    client.once('ready', () => {
      client.removeListener('error', fail);
      resolve();
    });
    client.once('error', fail);
    client.once('close', () =>
      reject(refusal ?? unreachableError(target, 'the server closed the connection during the handshake', undefined)),
    );
    try {
      client.connect({
        host: target.address,
        port: target.port,
        username: target.user,
        ...auth,
        readyTimeout: timeoutMs,
        hostVerifier: verify,
        // Ask for the pinned key's type first, so a server with several host keys presents the one we know.
        ...(preferred.length > 0
          ? { algorithms: { serverHostKey: { remove: preferred, prepend: preferred, append: [] } as never } }
          : {}),
      });
    } catch (cause) {
      // ssh2 parses the private key synchronously: a passphrase-protected or malformed key lands here.
      reject(
        authError(
          target,
          `the identity file cannot be used (${describeCause(cause)}); a key with a passphrase has to go through ssh-agent`,
          cause,
        ),
      );
    }
  });
  // After ready, an error means the connection broke: pending commands fail through their channels.
  client.on('error', () => undefined);
  return { client, seen: seen! };
}
