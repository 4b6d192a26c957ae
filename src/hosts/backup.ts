// Backups on the hosts target: pgBackRest runs on the repository host (backup.repoHost) over SSH, as
// the postgres user, with the superuser password from that host's 0600 env file (never on a command
// line); its config lists every PostgreSQL host, and pgBackRest finds the primary itself.
import type { PlatformAccess } from '../ops/access.js';
import { assertBackupEnabled, currentLeader, type BackupContext } from '../ops/backup/index.js';
import { HOST_PATHS } from '../render/hosts/paths.js';
import type { HostConfig, Spec } from '../spec/index.js';
import { shellQuote, type HostShell } from './ssh.js';

/** The repository host of a spec with backups on. */
export function repoHostOf(spec: Spec): HostConfig {
  assertBackupEnabled(spec);
  // The spec's rules (checkHostsRules) already refused a repoHost that is not a host.
  const host = spec.hosts?.find((h) => h.name === spec.backup.repoHost);
  if (!host) throw new Error(`repoHostOf: ${spec.backup.repoHost} is not a host of the spec`);
  return host;
}

/** The shell command that runs pgBackRest as postgres with the password in its environment only. */
export function pgbackrestOnHost(args: readonly string[]): string {
  return [
    'set -a',
    `. ${shellQuote(HOST_PATHS.secrets.pgbackrest)}`,
    'set +a',
    'cd /',
    `exec setpriv --reuid=postgres --regid=postgres --init-groups -- pgbackrest ${args.map(shellQuote).join(' ')}`,
  ].join('\n');
}

/** A BackupContext whose pgBackRest runs on the repository host through `shell`. */
export function hostsBackupContext(access: PlatformAccess, shell: HostShell): BackupContext {
  const { spec } = access;
  return {
    spec,
    configFile: HOST_PATHS.pgbackrest.config,
    logDir: `${HOST_PATHS.pgbackrest.logDir} on ${shell.target.name}`,
    leader: () => currentLeader(spec, access.clusterReader(2000)),
    // The repository host's config names every PostgreSQL host: pgBackRest picks the primary.
    leaderArgs: () => [],
    run: async (args, o = {}) => {
      const r = await shell.exec(pgbackrestOnHost(args), { sudo: true, timeoutMs: o.timeoutMs ?? 600_000 });
      return { code: r.code, stdout: r.stdout, stderr: r.stderr };
    },
  };
}
