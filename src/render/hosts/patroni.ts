// Patroni and PostgreSQL on a host: patroni.yml without passwords (they come from an env file), TLS
// everywhere it crosses the network, WAL archived to the one pgBackRest repository when backups are on.
import { stringify } from 'yaml';
import { ROLE_NAMES, type Spec, type HostConfig } from '../../spec/index.js';
import { buildPatroniConfig, LOCAL_SOCKET_HBA, monitorHba } from '../patroni.js';
import { archiveCommand, type PgbackrestPaths } from '../pgbackrest.js';
import { hostsTopology } from '../topology.js';
import { hostComponents } from './components.js';
import { hostEtcdClient, hostPorts } from './etcd-client.js';
import { renderEnvFile } from './env-file.js';
import { publicHostFile, type HostFile, type HostPrograms, type HostService, type HostsSecrets } from './model.js';
import { BASE_ENVIRONMENT, HOST_PATHS, HOST_USERS, HOSTS_HEADER, SERVICE_NAMES } from './paths.js';

/** Patroni reads each password from its environment (and removes it there, so PostgreSQL never sees it). */
export function patroniEnvironment(secrets: HostsSecrets): Record<string, string> {
  return {
    PATRONI_SUPERUSER_PASSWORD: secrets.superuserPassword,
    PATRONI_REPLICATION_PASSWORD: secrets.replicationPassword,
    PATRONI_REWIND_PASSWORD: secrets.rewindPassword,
    PATRONI_RESTAPI_PASSWORD: secrets.restapiPassword,
  };
}

/** pgBackRest's paths: every host has the same layout, so the one config is right on every node. */
function pgbackrestPaths(spec: Spec): PgbackrestPaths {
  return {
    configFile: HOST_PATHS.pgbackrest.config,
    logDir: HOST_PATHS.pgbackrest.logDir,
    lockDir: HOST_PATHS.pgbackrest.lockDir,
    node: () => ({ dataDir: HOST_PATHS.patroni.dataDir(spec.postgres.version), runDir: HOST_PATHS.patroni.runDir }),
  };
}

/**
 * pg_hba on a host: the socket lines first (Patroni reaches its own server there), then TLS-only
 * scram-sha-256 lines: replication from the postgres hosts, clients from every host (HAProxy connects
 * from its host's address, K3s pods leave through their node's) and postgres.allowedClientCidrs.
 */
export function renderHostsPgHba(spec: Spec): string[] {
  const hosts = spec.hosts ?? [];
  const pgNets = uniqueSorted(hosts.filter((h) => h.roles.includes('postgres')).map((h) => `${h.address}/32`));
  const poolerNets = uniqueSorted(hosts.filter((h) => hostComponents(spec, h).pgbouncer).map((h) => `${h.address}/32`));
  return [
    // The PostgreSQL exporter's role by peer auth from its OS user alone, before `local all all` matches it.
    ...monitorHba(monitorOsUser(spec)),
    ...LOCAL_SOCKET_HBA,
    ...pgNets.map((net) => `hostssl replication ${ROLE_NAMES.replication} ${net} scram-sha-256`),
    // PgBouncer's auth role by its client certificate (CN gardenos_pooler), from the pooler hosts only.
    ...poolerNets.map((net) => `hostssl all ${ROLE_NAMES.pooler} ${net} cert`),
    ...hostsClientNets(spec).map((net) => `hostssl all all ${net} scram-sha-256`),
  ];
}

/** The OS user the PostgreSQL exporter runs as, with monitoring on. */
function monitorOsUser(spec: Spec): string | undefined {
  return spec.monitoring.enabled ? HOST_USERS.prometheus : undefined;
}

/** Where PostgreSQL's clients may come from: postgres.allowedClientCidrs and every host (PgBouncer admits the same). */
export function hostsClientNets(spec: Spec): string[] {
  const hosts = spec.hosts ?? [];
  return [...new Set([...spec.postgres.allowedClientCidrs, ...uniqueSorted(hosts.map((h) => `${h.address}/32`))])];
}

export function buildHostPatroniConfig(spec: Spec, host: HostConfig, programs: HostPrograms): Record<string, unknown> {
  const topology = hostsTopology(spec);
  const node = topology.nodes.find((n) => n.name === host.name);
  if (!node) throw new Error(`buildHostPatroniConfig: host ${host.name} has no postgres role`);
  const etcd = hostEtcdClient(spec, 'postgres', host);
  const version = spec.postgres.version;
  const base = buildPatroniConfig({
    spec,
    topology,
    node,
    dataDir: HOST_PATHS.patroni.dataDir(version),
    binDir: programs.pgBinDir(version),
    runDir: HOST_PATHS.patroni.runDir,
    etcdTls: etcd.tls,
    ...(monitorOsUser(spec) ? { monitorOsUser: monitorOsUser(spec) } : {}),
    ...(spec.backup ? { archiveCommand: archiveCommand(spec, pgbackrestPaths(spec)) } : {}),
  }) as {
    restapi: Record<string, unknown>;
    bootstrap: Record<string, unknown>;
    postgresql: Record<string, unknown> & { authentication: Record<string, object>; parameters: object };
  };
  const tls = { cafile: HOST_PATHS.tls.ca, certfile: HOST_PATHS.tls.cert, keyfile: HOST_PATHS.tls.key('postgres') };
  const hba = renderHostsPgHba(spec);
  // Replication and pg_rewind connect to another host over TCP, where pg_hba accepts TLS only.
  const overTls = { sslmode: 'require' };
  return {
    ...base,
    restapi: { ...base.restapi, ...tls },
    // Patroni calls the other members' REST APIs (is anyone healthier before a failover?): trust our CA.
    ctl: { insecure: false, cacert: tls.cafile, certfile: tls.certfile, keyfile: tls.keyfile },
    etcd3: {
      // This host's member first, and use_proxies so Patroni keeps that order instead of shuffling the
      // members it discovers: it then watches the member on its own host (see hostEtcdClient). The
      // members are fixed by the spec, so there is nothing to discover.
      hosts: hostPorts(etcd),
      use_proxies: true,
      protocol: 'https',
      cacert: etcd.tls.caFile,
      cert: etcd.tls.certFile,
      key: etcd.tls.keyFile,
    },
    // Two arrays, not one referenced twice: the YAML then has no anchors for a reader to follow.
    bootstrap: { ...base.bootstrap, pg_hba: [...hba] },
    postgresql: {
      ...base.postgresql,
      authentication: {
        ...base.postgresql.authentication,
        replication: { ...base.postgresql.authentication.replication, ...overTls },
        rewind: { ...base.postgresql.authentication.rewind, ...overTls },
      },
      parameters: {
        ...base.postgresql.parameters,
        ssl: 'on',
        ssl_ca_file: tls.cafile,
        // Clients come through any host's HAProxy: the endpoint certificate names all of their addresses.
        ssl_cert_file: HOST_PATHS.tls.endpointCert,
        ssl_key_file: HOST_PATHS.tls.endpointKey,
      },
      pg_hba: hba,
    },
  };
}

export function renderHostPatroniConfig(spec: Spec, host: HostConfig, programs: HostPrograms): string {
  return (
    `# ${HOSTS_HEADER}\n` + stringify(buildHostPatroniConfig(spec, host, programs), { lineWidth: 0, version: '1.1' })
  );
}

export function renderPatroniFiles(
  spec: Spec,
  host: HostConfig,
  programs: HostPrograms,
  secrets: HostsSecrets,
  launcher: string,
): HostFile[] {
  const restarts = [SERVICE_NAMES.patroni];
  const file = (path: string, content: string) => publicHostFile(path, content, restarts);
  return [
    file(HOST_PATHS.patroni.config, renderHostPatroniConfig(spec, host, programs)),
    file(HOST_PATHS.patroni.launcher, launcher),
    {
      path: HOST_PATHS.secrets.patroni,
      content: renderEnvFile(patroniEnvironment(secrets)),
      mode: 0o600,
      owner: 'root',
      group: 'root',
      secret: true,
      restarts,
    },
  ];
}

export function renderPatroniService(spec: Spec, host: HostConfig, programs: HostPrograms): HostService {
  const localEtcd = host.roles.includes('etcd') ? [`${SERVICE_NAMES.etcd}.service`] : [];
  const version = spec.postgres.version;
  return {
    name: SERVICE_NAMES.patroni,
    description: `gardenos Patroni and PostgreSQL ${version} node ${host.name} (cluster ${spec.name})`,
    user: HOST_USERS.postgres,
    group: HOST_USERS.postgres,
    // Through gardenos's launcher: it backports the fix that keeps a resumed old leader from
    // overwriting the new leader's key (Patroni < 3.0.3; Debian 12 ships 3.0.2).
    exec: [programs.python, HOST_PATHS.patroni.launcher, HOST_PATHS.patroni.config],
    environmentFiles: [HOST_PATHS.secrets.patroni],
    environment: { ...BASE_ENVIRONMENT, HOME: HOST_PATHS.patroni.home },
    after: ['network-online.target', ...localEtcd],
    wants: ['network-online.target', ...localEtcd],
    workingDirectory: HOST_PATHS.patroni.home,
    restart: { policy: 'on-failure', delaySec: 5 },
    limits: { noFile: 65536 },
    // Patroni stops PostgreSQL itself on SIGTERM; signalling PostgreSQL too would race that shutdown.
    stop: { timeoutSec: 120, mainProcessOnly: true },
    directories: [
      // PostgreSQL refuses a data dir others can read; initdb creates data/ inside the version dir.
      { path: HOST_PATHS.patroni.home, mode: 0o700 },
      { path: HOST_PATHS.patroni.versionDir(version), mode: 0o700 },
      { path: HOST_PATHS.patroni.runDir, mode: 0o755 },
      ...(spec.backup
        ? [
            { path: HOST_PATHS.pgbackrest.lockDir, mode: 0o755 },
            { path: HOST_PATHS.pgbackrest.logDir, mode: 0o750 },
          ]
        : []),
    ],
    logFile: HOST_PATHS.logFile(SERVICE_NAMES.patroni),
    unit: 'own',
  };
}

function uniqueSorted(values: string[]): string[] {
  return [...new Set(values)].sort();
}
