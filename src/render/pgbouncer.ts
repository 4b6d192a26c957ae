// Renders PgBouncer's files: pgbouncer.ini, its hba file, its user list (names only) and the route file
// that names the one server every pooled connection goes to.
import type { Spec } from '../spec/index.js';
import { ROLE_NAMES } from '../spec/roles.js';
import { GENERATED_HEADER } from './topology.js';

export interface PgbouncerFiles {
  /** Included by pgbouncer.ini; the router rewrites it and sends RELOAD when the leader changes. */
  routeFile: string;
  hbaFile: string;
  usersFile: string;
  /** Directory of the admin console's Unix socket: reachable by gardenos's own users only. */
  socketDir: string;
  /** postgres.tls required: clients must use TLS (hostssl only); preferred: offered, plaintext still accepted. */
  tls?: { certFile: string; keyFile: string; mode: 'require' | 'prefer' };
  /**
   * TLS to the servers (the hosts target, where they are across the network): the server's certificate
   * checked by the CA and the address, and PgBouncer's own certificate, by which its auth role logs in.
   */
  serverTls?: { caFile: string; certFile: string; keyFile: string };
}

export interface PgbouncerInput {
  spec: Spec;
  listenAddress: string;
  files: PgbouncerFiles;
  /** OS users allowed on the admin console (peer auth over the socket): gardenos and the router's user. */
  adminUsers: readonly string[];
  /** Networks clients may come from (PostgreSQL's own client networks); every IPv4 address when absent. */
  clientNets?: readonly string[];
}

/** The lookup function PgBouncer's auth_query calls (see pooler-auth-sql.ts). */
export const POOLER_LOOKUP = 'gardenos_pooler.lookup';

/** Where the route points: a server's socket directory (or address) and port; null routes nowhere. */
export interface PoolerRoute {
  member: string;
  host: string;
  port: number;
}

/**
 * `auth_type = hba`: the admin console by peer auth over the socket only, every other connection by
 * scram-sha-256, and over TLS when the certificate is given. SCRAM secrets come from the server through
 * auth_query, so no password is stored here; the auth role itself logs in by peer auth on the server.
 */
export function renderPgbouncerIni(input: PgbouncerInput): string {
  const { spec, files } = input;
  const p = spec.pooler;
  const lines = [
    `; ${GENERATED_HEADER}`,
    `%include ${files.routeFile}`,
    '',
    '[pgbouncer]',
    `listen_addr = ${input.listenAddress}`,
    `listen_port = ${p.port}`,
    `unix_socket_dir = ${files.socketDir}`,
    'unix_socket_mode = 0700',
    'auth_type = hba',
    `auth_hba_file = ${files.hbaFile}`,
    `auth_file = ${files.usersFile}`,
    `auth_user = ${ROLE_NAMES.pooler}`,
    `auth_query = SELECT uname, phash FROM ${POOLER_LOOKUP}($1)`,
    `admin_users = ${[...input.adminUsers].join(', ')}`,
    `pool_mode = ${p.mode}`,
    `default_pool_size = ${p.poolSize}`,
    `max_client_conn = ${p.maxClientConn}`,
    // Clients queued through a pause (a planned switchover) wait up to query_wait_timeout (120 s).
    // PAUSE closes a server connection still logging in, and PgBouncer 1.18 counts that as a failed
    // login (janitor.c per_loop_pause, objects.c disconnect_server): it then opens no connection to
    // that pool for server_login_retry, 15 s by default, so every client queued through the pause
    // waited 15 s after RESUME. Half a second keeps a dead server from being hammered all the same.
    'server_login_retry = 0.5',
    'ignore_startup_parameters = extra_float_digits,options',
    ...(files.tls
      ? [
          `client_tls_sslmode = ${files.tls.mode}`,
          `client_tls_cert_file = ${files.tls.certFile}`,
          `client_tls_key_file = ${files.tls.keyFile}`,
        ]
      : []),
    ...(files.serverTls
      ? [
          'server_tls_sslmode = verify-full',
          `server_tls_ca_file = ${files.serverTls.caFile}`,
          `server_tls_cert_file = ${files.serverTls.certFile}`,
          `server_tls_key_file = ${files.serverTls.keyFile}`,
        ]
      : []),
    // In the foreground (supervised): the log goes to stderr, which the supervisor keeps in the log file.
    'log_connections = 0',
    'log_disconnections = 0',
    'stats_period = 60',
    '',
  ];
  return lines.join('\n');
}

/**
 * The admin console only over the socket, only to the admin users, by peer auth. The admin users may
 * not log in to a real database through PgBouncer at all (their entries in the user list have no
 * password): every other client logs in with scram-sha-256.
 */
export function renderPgbouncerHba(input: PgbouncerInput): string {
  const admins = [...input.adminUsers].join(',');
  const type = input.files.tls?.mode === 'require' ? 'hostssl' : 'host';
  return [
    `# ${GENERATED_HEADER}`,
    `local pgbouncer ${admins} peer`,
    'local all all reject',
    `host all ${admins} 0.0.0.0/0 reject`,
    ...(input.clientNets ?? ['0.0.0.0/0']).map((net) => `${type} all all ${net} scram-sha-256`),
    '',
  ].join('\n');
}

/** Names only: PgBouncer needs an entry for each admin user (the admin console has no auth_query). */
export function renderPgbouncerUsers(input: PgbouncerInput): string {
  return input.adminUsers.map((u) => `"${u}" ""`).join('\n') + '\n';
}

/** An explicit database entry beside `*`, with the same destination: SHOW DATABASES always lists it. */
export const ROUTE_PROBE_DATABASE = 'gardenos_route';

/**
 * Every database goes to the routed server; with no route, to a socket directory that does not exist,
 * so a client gets a connection error rather than the wrong server. The `*` entry is not listed by
 * SHOW DATABASES until a client uses it, so ROUTE_PROBE_DATABASE says what PgBouncer has loaded.
 */
export function renderPgbouncerRoute(route: PoolerRoute | null): string {
  const target = route ?? { member: '', host: UNROUTED_HOST, port: 1 };
  const to = `host=${target.host} port=${target.port}`;
  return [
    `; ${GENERATED_HEADER}`,
    `; routed to: ${route ? route.member : 'nobody'}`,
    '[databases]',
    `${ROUTE_PROBE_DATABASE} = ${to} dbname=postgres`,
    `* = ${to}`,
    '',
  ].join('\n');
}

export const UNROUTED_HOST = '/nonexistent/gardenos-unrouted';
