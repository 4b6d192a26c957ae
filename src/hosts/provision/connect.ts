// SSH connections to every host of the spec, with the pinned keys; a key seen for the first time is
// recorded (only for the hosts named in --accept-new-host-key) in the state dir's known_hosts.
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { HostConfig } from '../../spec/index.js';
import { connectHost, type HostShell, type SshTarget } from '../ssh.js';

export function recordedKnownHosts(stateDir: string): string {
  return join(stateDir, 'hosts', 'known_hosts');
}

/** The SSH target of a host: its pin is the spec's hostKey, else its knownHostsFile, else what --accept-new-host-key recorded. */
export function sshTargetOf(host: HostConfig, o: { specDir: string; stateDir: string }): SshTarget {
  const path = (p: string) =>
    p.startsWith('~/') ? join(homedir(), p.slice(2)) : isAbsolute(p) ? p : resolve(o.specDir, p);
  const recorded = recordedKnownHosts(o.stateDir);
  return {
    name: host.name,
    address: host.address,
    port: host.ssh.port,
    user: host.ssh.user,
    ...(host.ssh.identityFile ? { identityFile: path(host.ssh.identityFile) } : {}),
    ...(host.hostKey
      ? { hostKey: host.hostKey }
      : host.knownHostsFile
        ? { knownHostsFile: path(host.knownHostsFile) }
        : existsSync(recorded)
          ? { knownHostsFile: recorded }
          : {}),
  };
}

export interface ConnectAllOptions {
  specDir: string;
  stateDir: string;
  agentSocket?: string;
  /** Host names whose unknown key may be accepted and recorded (trust on first use, only when asked). */
  acceptNewHostKey: readonly string[];
  connect?: typeof connectHost;
  onNewKey?: (host: string, keyLine: string, fingerprint: string) => void;
}

/** Connects to every host at once; on any failure closes the ones that connected and throws the first error. */
export async function connectAll(hosts: readonly HostConfig[], o: ConnectAllOptions): Promise<Map<string, HostShell>> {
  const connect = o.connect ?? connectHost;
  const results = await Promise.allSettled(
    hosts.map(async (h) => {
      const target = sshTargetOf(h, o);
      const shell = await connect(target, {
        agentSocket: o.agentSocket,
        acceptNewHostKey: o.acceptNewHostKey.includes(h.name),
      });
      if (shell.hostKeyIsNew) {
        const file = recordedKnownHosts(o.stateDir);
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
        const name = h.ssh.port === 22 ? h.address : `[${h.address}]:${h.ssh.port}`;
        appendFileSync(file, `${name} ${shell.hostKey}\n`, { mode: 0o600 });
        o.onNewKey?.(h.name, shell.hostKey, shell.hostKeyFingerprint);
      }
      return [h.name, shell] as const;
    }),
  );
  const shells = new Map(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all([...shells.values()].map((s) => s.close()));
    throw failed.reason;
  }
  return shells;
}
