// Renders one patroni.yml per node: etcd3 DCS (never the v2 `etcd` section), scram-sha-256 pg_hba, REST auth.
import { stringify } from 'yaml';
import { ROLE_NAMES } from '../spec/roles.js';
import type { Spec } from '../spec/resolve.js';
import {
  GENERATED_HEADER,
  etcdClientAddress,
  patroniApiAddress,
  pgHostPort,
  pgTls,
  type NodeAt,
  type Topology,
} from './topology.js';
import type { EtcdTlsFiles } from './etcd.js';

export interface PlatformSecrets {
  superuserPassword: string;
  replicationPassword: string;
  rewindPassword: string;
  restapiPassword: string;
}

/** Fixed role and user names (one list, in the spec, which refuses them as a superuser name); only their passwords are secret. */
export { ROLE_NAMES };

export interface PatroniNodeInput {
  spec: Spec;
  topology: Topology;
  node: NodeAt;
  /** Without it the passwords are left out, for Patroni to read from PATRONI_*_PASSWORD (the hosts target). */
  secrets?: PlatformSecrets;
  dataDir: string;
  binDir: string;
  /** Directory for the Unix socket and pgpass, writable by the PostgreSQL user. */
  runDir: string;
  etcdTls?: EtcdTlsFiles;
  /**
   * postgres.tls other than off (one machine): the node's certificate, served by PostgreSQL and by the
   * REST API, and the CA that replication and pg_rewind check the primary's certificate by.
   */
  serverTls?: EtcdTlsFiles;
  /** backup.enabled: WAL archiving through this command (bootstrap.dcs, so every member archives alike). */
  archiveCommand?: string;
  /** Bootstrap this node from a pgBackRest backup instead of initdb (gardenos restore). */
  restoreCommand?: string;
  /** pooler.enabled: the OS user PgBouncer runs as, the only one that may log in as its auth role. */
  poolerOsUser?: string;
  /** monitoring.enabled: the OS user the PostgreSQL exporter runs as, the only one that may log in as its role. */
  monitorOsUser?: string;
  /** A second socket directory, where PgBouncer reaches the server (runDir stays the PostgreSQL user's alone). */
  poolerSocketDir?: string;
}

/** Parameters Patroni needs for streaming replication and pg_rewind, before the user's own. */
const BASE_PARAMETERS = {
  wal_level: 'replica',
  hot_standby: 'on',
  max_wal_senders: 10,
  max_replication_slots: 10,
  wal_log_hints: 'on',
  wal_keep_size: '128MB',
  password_encryption: 'scram-sha-256',
  // A standby retries a failed WAL stream this often (default 5 s). Right after bootstrap, and after
  // a leader change, its slot may not exist yet; 1 s retries cost nothing and start streaming sooner.
  wal_retrieve_retry_interval: '1s',
};

export function buildPatroniConfig(input: PatroniNodeInput): Record<string, unknown> {
  const { spec, topology, node, secrets } = input;
  const pg = spec.postgres;
  const api = patroniApiAddress(node);
  const pgAddress = pgHostPort(node);
  const tls = input.serverTls;
  // Replication and pg_rewind reach the primary over TCP: TLS, and its certificate must name the address.
  const overTls = tls ? { sslmode: 'verify-full', sslrootcert: tls.caFile } : {};
  const hba = [...poolerHba(input.poolerOsUser), ...monitorHba(input.monitorOsUser), ...renderPgHba(spec, topology)];
  const ident = [
    ...(input.poolerOsUser ? [`${POOLER_IDENT_MAP} ${input.poolerOsUser} ${ROLE_NAMES.pooler}`] : []),
    ...(input.monitorOsUser ? [`${MONITOR_IDENT_MAP} ${input.monitorOsUser} ${ROLE_NAMES.monitor}`] : []),
  ];
  return {
    scope: spec.name,
    namespace: `${spec.etcd.namespace}/`,
    name: node.name,
    restapi: {
      listen: api,
      connect_address: api,
      // Unsafe endpoints (switchover, restart, reinitialize...) need these credentials; health GETs do not.
      authentication: withPassword(ROLE_NAMES.restapi, secrets?.restapiPassword),
      ...(tls ? { certfile: tls.certFile, keyfile: tls.keyFile, cafile: tls.caFile } : {}),
    },
    // Patroni asks the other members' REST APIs (is anyone healthier before a failover?): over https, by our CA.
    ...(tls ? { ctl: { insecure: false, cacert: tls.caFile } } : {}),
    etcd3: {
      hosts: topology.etcd.map(etcdClientAddress),
      protocol: spec.etcd.scheme,
      ...(input.etcdTls
        ? { cacert: input.etcdTls.caFile, cert: input.etcdTls.certFile, key: input.etcdTls.keyFile }
        : {}),
    },
    bootstrap: {
      dcs: {
        ttl: pg.ttl,
        loop_wait: pg.loopWait,
        retry_timeout: pg.retryTimeout,
        maximum_lag_on_failover: pg.maximumLagOnFailover,
        synchronous_mode: pg.synchronousMode,
        synchronous_mode_strict: pg.synchronousModeStrict,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: {
            ...BASE_PARAMETERS,
            ...(input.archiveCommand
              ? { archive_mode: 'on', archive_command: input.archiveCommand, archive_timeout: 60 }
              : {}),
            ...sortedRecord(pg.parameters),
          },
        },
      },
      ...(input.restoreCommand
        ? {
            method: 'pgbackrest',
            // pgBackRest writes restore_command and the recovery target itself; Patroni keeps them.
            pgbackrest: { command: input.restoreCommand, keep_existing_recovery_conf: true, no_params: true },
          }
        : {}),
      initdb: [{ encoding: 'UTF8' }, { locale: 'C.UTF-8' }, 'data-checksums'],
      pg_hba: [...hba],
    },
    postgresql: {
      listen: pgAddress,
      connect_address: pgAddress,
      data_dir: input.dataDir,
      bin_dir: input.binDir,
      pgpass: `${input.runDir}/pgpass`,
      authentication: {
        superuser: withPassword(pg.superuser, secrets?.superuserPassword),
        replication: { ...withPassword(ROLE_NAMES.replication, secrets?.replicationPassword), ...overTls },
        rewind: { ...withPassword(ROLE_NAMES.rewind, secrets?.rewindPassword), ...overTls },
      },
      parameters: {
        // Patroni connects through the first directory.
        unix_socket_directories: input.poolerSocketDir ? `${input.runDir},${input.poolerSocketDir}` : input.runDir,
        ...(tls ? { ssl: 'on', ssl_cert_file: tls.certFile, ssl_key_file: tls.keyFile, ssl_ca_file: tls.caFile } : {}),
      },
      pg_hba: hba,
      ...(ident.length > 0 ? { pg_ident: ident } : {}),
      use_pg_rewind: true,
      ...OWN_CONNECTIONS_OVER_SOCKET,
    },
    watchdog: { mode: 'off' },
    tags: { nofailover: node.nofailover, noloadbalance: false, clonefrom: false, nosync: false },
  };
}

export function renderPatroniConfig(input: PatroniNodeInput): string {
  return `# ${GENERATED_HEADER}\n` + stringify(buildPatroniConfig(input), { lineWidth: 0, version: '1.1' });
}

/**
 * Patroni reaches its own PostgreSQL over the Unix socket (its health queries, and the replication
 * connection it uses to read its own timeline). Over TCP it would pass through the same `host` lines
 * as clients, so an operator's pg_hba mistake (say `hostssl` for the client network) would cut Patroni
 * off from its own server and make it restart PostgreSQL: the leader would go down.
 */
export const OWN_CONNECTIONS_OVER_SOCKET = { use_unix_socket: true, use_unix_socket_repl: true } as const;

/** The socket lines that OWN_CONNECTIONS_OVER_SOCKET needs; they come first, before any `host` line. */
export const LOCAL_SOCKET_HBA = [
  'local all all scram-sha-256',
  `local replication ${ROLE_NAMES.replication} scram-sha-256`,
] as const;

const POOLER_IDENT_MAP = 'gardenos_pooler';

/**
 * PgBouncer's auth role logs in over the socket, by peer auth mapped from PgBouncer's OS user alone:
 * no password exists for it anywhere. The line comes first, so `local all all` never matches it.
 */
function poolerHba(osUser: string | undefined): string[] {
  return osUser ? [`local all ${ROLE_NAMES.pooler} peer map=${POOLER_IDENT_MAP}`] : [];
}

const MONITOR_IDENT_MAP = 'gardenos_monitor';

/** The exporter's role the same way: peer auth from its OS user alone, no password anywhere. */
export function monitorHba(osUser: string | undefined): string[] {
  return osUser ? [`local all ${ROLE_NAMES.monitor} peer map=${MONITOR_IDENT_MAP}`] : [];
}

/**
 * pg_hba lines: scram-sha-256 everywhere, never trust. Replication only from the members' own
 * addresses; clients from the allowed CIDRs and from the members (HAProxy connects from there).
 * With postgres.tls required every TCP line is `hostssl`: a plaintext connection matches no line.
 */
export function renderPgHba(spec: Spec, topology: Topology): string[] {
  const memberNets = [...new Set(topology.nodes.map((n) => `${n.host}/32`))].sort();
  const clientNets = [...new Set([...spec.postgres.allowedClientCidrs, ...memberNets])];
  const type = pgTls(spec) === 'required' ? 'hostssl' : 'host';
  return [
    ...LOCAL_SOCKET_HBA,
    ...memberNets.map((net) => `${type} replication ${ROLE_NAMES.replication} ${net} scram-sha-256`),
    ...clientNets.map((net) => `${type} all all ${net} scram-sha-256`),
  ];
}

function withPassword(username: string, password: string | undefined): { username: string; password?: string } {
  return password === undefined ? { username } : { username, password };
}

function sortedRecord<T>(rec: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(rec).sort(([a], [b]) => a.localeCompare(b)));
}
