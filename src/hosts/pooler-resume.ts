// `gardenos pooler resume` on the hosts target: RESUME to every host's PgBouncer over SSH. The admin
// console is a Unix socket on the host that only PgBouncer's OS user may use (peer authentication), so
// the gardenos agent provisioning installed there sends it, run as that user.
import { DEFAULT_HOST_PROGRAMS } from '../render/hosts/model.js';
import { HOST_PATHS, HOST_USERS } from '../render/hosts/paths.js';
import type { Spec } from '../spec/index.js';
import { connectAll, type ConnectAllOptions } from './provision/connect.js';
import { hostsPoolerHosts } from './poolers.js';
import { shellQuote } from './ssh.js';

/** The shell command, run as root over SSH, that resumes the host's PgBouncer (pure). */
export function poolerResumeCommand(spec: Spec): string {
  const user = HOST_USERS.pgbouncer;
  return `cd / && ${[
    `exec setpriv --reuid=${user} --regid=${user} --init-groups --`,
    DEFAULT_HOST_PROGRAMS.node,
    DEFAULT_HOST_PROGRAMS.gardenos,
    'pooler-resume',
    '--socket-dir',
    shellQuote(HOST_PATHS.pgbouncer.socketDir),
    '--port',
    String(spec.pooler.port),
  ].join(' ')}`;
}

export interface PoolerResumeOutcome {
  host: string;
  /** It was paused, and this RESUME ended the pause (false: it was not paused; unset on an error). */
  wasPaused?: boolean;
  /** Why this host's PgBouncer could not be told; absent when it was resumed or was not paused. */
  error?: string;
}

/**
 * Resumes PgBouncer on every host that runs one, each on its own connection: an unreachable host does
 * not keep the others paused. One outcome per host, in spec order.
 */
export async function resumeHostsPoolers(
  spec: Spec,
  o: Pick<ConnectAllOptions, 'specDir' | 'stateDir' | 'agentSocket' | 'connect'>,
): Promise<PoolerResumeOutcome[]> {
  const cmd = poolerResumeCommand(spec);
  return Promise.all(
    hostsPoolerHosts(spec).map(async (h): Promise<PoolerResumeOutcome> => {
      try {
        const shells = await connectAll([h], { ...o, acceptNewHostKey: [] });
        const shell = shells.get(h.name)!;
        try {
          const r = await shell.exec(cmd, { sudo: true, timeoutMs: 30_000 });
          if (r.code === 0) return { host: h.name, wasPaused: r.stdout.trim() === 'resumed' };
          return { host: h.name, error: lastLine(r.stderr) || `the agent exited ${r.code}` };
        } finally {
          await shell.close();
        }
      } catch (err) {
        return { host: h.name, error: (err as Error).message };
      }
    }),
  );
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).slice(-3).join(' ');
}
