// pgBackRest on the hosts target: ONE repository, on backup.repoHost, so the WAL archive and the
// backups stay one history whichever host leads. Every PostgreSQL host pushes WAL to it over
// pgBackRest's TLS server (port 8432, certificates from the platform's CA, clients authorized by their
// certificate's CN, which is the host's name); the repository host lists every PostgreSQL host and
// reaches them the same way for backups, and pgBackRest itself finds which one is the primary.
import type { HostConfig, Spec } from '../../spec/index.js';
import { HOST_PORTS, hostsWithRole } from '../../spec/index.js';
import { stanzaOf } from '../pgbackrest.js';
import { renderEnvFile } from './env-file.js';
import type { HostFile, HostPrograms, HostService, HostsSecrets } from './model.js';
import { BASE_ENVIRONMENT, HOST_PATHS, HOST_USERS, HOSTS_HEADER, SERVICE_NAMES } from './paths.js';

function backupOf(spec: Spec): NonNullable<Spec['backup']> & { repoHost: string } {
  const b = spec.backup;
  if (!b?.repoHost) throw new Error('the hosts pgBackRest renderers need backup.enabled with a repoHost');
  return { ...b, repoHost: b.repoHost };
}

/** pg options of one PostgreSQL host, as index `i` (pg1, pg2, ...); remote ones through its TLS server. */
function pgLines(spec: Spec, i: number, pg: HostConfig, remote: boolean): string[] {
  const k = `pg${i}`;
  return [
    ...(remote
      ? [
          `${k}-host=${pg.address}`,
          `${k}-host-type=tls`,
          `${k}-host-port=${HOST_PORTS.pgbackrest}`,
          `${k}-host-ca-file=${HOST_PATHS.tls.ca}`,
          `${k}-host-cert-file=${HOST_PATHS.tls.cert}`,
          `${k}-host-key-file=${HOST_PATHS.tls.key('postgres')}`,
        ]
      : []),
    `${k}-path=${HOST_PATHS.patroni.dataDir(spec.postgres.version)}`,
    `${k}-port=${HOST_PORTS.postgres}`,
    `${k}-socket-path=${HOST_PATHS.patroni.runDir}`,
    `${k}-user=${spec.postgres.superuser}`,
  ];
}

/** The host's pgbackrest.conf: the repository's side on the repository host, the PostgreSQL side elsewhere. */
export function renderHostPgbackrestConfig(spec: Spec, host: HostConfig): string {
  const backup = backupOf(spec);
  const stanza = stanzaOf(spec);
  const pgHosts = hostsWithRole(spec, 'postgres');
  const repoHost = (spec.hosts ?? []).find((h) => h.name === backup.repoHost)!;
  const isRepo = host.name === repoHost.name;
  // Who may call this host's TLS server: on the repository host every PostgreSQL host (archive-push,
  // archive-get); on a PostgreSQL host the repository host (backups read the data dir through it).
  const clients = isRepo ? pgHosts.filter((h) => h.name !== host.name).map((h) => h.name) : [repoHost.name];
  const global = [
    '[global]',
    ...(isRepo
      ? [`repo1-path=${backup.repoPath}`, `repo1-retention-full=${backup.retentionFull}`]
      : [
          // The repository host's path too: a TLS client sends its own repo1-path (default
          // /var/lib/pgbackrest) to the server, which uses it.
          `repo1-path=${backup.repoPath}`,
          `repo1-host=${repoHost.address}`,
          'repo1-host-type=tls',
          `repo1-host-port=${HOST_PORTS.pgbackrest}`,
          `repo1-host-ca-file=${HOST_PATHS.tls.ca}`,
          `repo1-host-cert-file=${HOST_PATHS.tls.cert}`,
          `repo1-host-key-file=${HOST_PATHS.tls.key('postgres')}`,
        ]),
    `log-path=${HOST_PATHS.pgbackrest.logDir}`,
    `lock-path=${HOST_PATHS.pgbackrest.lockDir}`,
    'log-level-console=warn',
    'log-level-file=info',
    // Without start-fast a backup waits for the next checkpoint (up to checkpoint_timeout).
    'start-fast=y',
    `tls-server-address=${host.address}`,
    `tls-server-port=${HOST_PORTS.pgbackrest}`,
    `tls-server-ca-file=${HOST_PATHS.tls.ca}`,
    `tls-server-cert-file=${HOST_PATHS.tls.cert}`,
    `tls-server-key-file=${HOST_PATHS.tls.key('postgres')}`,
    ...clients.map((cn) => `tls-server-auth=${cn}=${stanza}`),
  ];
  const pg = isRepo
    ? pgHosts.flatMap((h, i) => pgLines(spec, i + 1, h, h.name !== host.name))
    : pgLines(spec, 1, host, false);
  return [`# ${HOSTS_HEADER}`, ...global, '', `[${stanza}]`, ...pg, ''].join('\n');
}

/** pgbackrest.conf and the server's env file (the superuser password, for backups that connect to PostgreSQL). */
export function renderPgbackrestFiles(spec: Spec, host: HostConfig, secrets: HostsSecrets): HostFile[] {
  const restarts = [SERVICE_NAMES.pgbackrest];
  return [
    {
      path: HOST_PATHS.pgbackrest.config,
      content: renderHostPgbackrestConfig(spec, host),
      mode: 0o644,
      owner: 'root',
      group: 'root',
      secret: false,
      restarts,
    },
    {
      path: HOST_PATHS.secrets.pgbackrest,
      content: renderEnvFile({ PGPASSWORD: secrets.superuserPassword }),
      mode: 0o600,
      owner: 'root',
      group: 'root',
      secret: true,
      restarts,
    },
  ];
}

export function renderPgbackrestService(spec: Spec, host: HostConfig, programs: HostPrograms): HostService {
  const backup = backupOf(spec);
  const isRepo = host.name === backup.repoHost;
  return {
    name: SERVICE_NAMES.pgbackrest,
    description: `gardenos pgBackRest TLS server on ${host.name}${isRepo ? ' (the repository)' : ''} (cluster ${spec.name})`,
    user: HOST_USERS.postgres,
    group: HOST_USERS.postgres,
    exec: [programs.pgbackrest, `--config=${HOST_PATHS.pgbackrest.config}`, 'server'],
    environmentFiles: [HOST_PATHS.secrets.pgbackrest],
    environment: { ...BASE_ENVIRONMENT },
    after: ['network-online.target'],
    wants: ['network-online.target'],
    restart: { policy: 'always', delaySec: 5 },
    limits: { noFile: 65536 },
    stop: { timeoutSec: 30, mainProcessOnly: false },
    directories: [
      { path: HOST_PATHS.pgbackrest.lockDir, mode: 0o755 },
      { path: HOST_PATHS.pgbackrest.logDir, mode: 0o750 },
      ...(isRepo ? [{ path: backup.repoPath, mode: 0o750 }] : []),
    ],
    logFile: HOST_PATHS.logFile(SERVICE_NAMES.pgbackrest),
    unit: 'own',
  };
}
