// PgBouncer on every haproxy host: the pooled primary endpoint beside HAProxy's, on the host's address.
// Clients log in by scram-sha-256 over TLS (auth_query through gardenos_pooler, no password file);
// PgBouncer reaches the leader over TLS and its auth role logs in by client certificate. The router on
// the same host (same OS user) keeps the route file on the leader and pauses it around switchovers.
import type { HostConfig, Spec } from '../../spec/index.js';
import {
  renderPgbouncerHba,
  renderPgbouncerIni,
  renderPgbouncerRoute,
  renderPgbouncerUsers,
  type PgbouncerInput,
} from '../pgbouncer.js';
import { hostsTopology } from '../topology.js';
import { withHostsHeader } from './header.js';
import { publicHostFile, type HostFile, type HostPrograms, type HostService } from './model.js';
import { hostsClientNets } from './patroni.js';
import { BASE_ENVIRONMENT, HOST_PATHS, HOST_USERS, SERVICE_NAMES } from './paths.js';

/** The TLS files PgBouncer and the router read on a host (src/render/hosts/tls.ts writes them). */
export const POOLER_TLS = {
  caFile: HOST_PATHS.tls.ca,
  certFile: HOST_PATHS.tls.poolerClientCert,
  keyFile: HOST_PATHS.tls.poolerClientKey,
} as const;

export function hostPgbouncerInput(spec: Spec, host: HostConfig): PgbouncerInput {
  return {
    spec,
    listenAddress: host.address,
    // The router is PgBouncer's user too; nobody else reaches the console's socket (0700).
    adminUsers: [HOST_USERS.pgbouncer],
    clientNets: hostsClientNets(spec),
    files: {
      routeFile: HOST_PATHS.pgbouncer.routeFile,
      hbaFile: HOST_PATHS.pgbouncer.hba,
      usersFile: HOST_PATHS.pgbouncer.users,
      socketDir: HOST_PATHS.pgbouncer.socketDir,
      // PostgreSQL on the hosts admits TLS only, so PgBouncer does too, with the endpoint certificate.
      tls: { certFile: HOST_PATHS.tls.endpointCert, keyFile: HOST_PATHS.tls.poolerEndpointKey, mode: 'require' },
      serverTls: POOLER_TLS,
    },
  };
}

/** Where each member takes PgBouncer's connections: its address and PostgreSQL's port. */
export function hostPoolerMembers(spec: Spec): { name: string; host: string; port: number }[] {
  return hostsTopology(spec).nodes.map((n) => ({ name: n.name, host: n.host, port: n.pgPort }));
}

export function renderPgbouncerFiles(spec: Spec, host: HostConfig): HostFile[] {
  const input = hostPgbouncerInput(spec, host);
  const restarts = [SERVICE_NAMES.pgbouncer];
  // No password in any of them: secrets come from the server through auth_query.
  const file = (path: string, content: string) => publicHostFile(path, content, restarts);
  return [
    file(HOST_PATHS.pgbouncer.config, withHostsHeader(renderPgbouncerIni(input), ';')),
    file(HOST_PATHS.pgbouncer.hba, withHostsHeader(renderPgbouncerHba(input))),
    file(HOST_PATHS.pgbouncer.users, renderPgbouncerUsers(input)),
    {
      // Routed nowhere until the router writes the leader in; it owns the file from then on.
      path: HOST_PATHS.pgbouncer.routeFile,
      content: renderPgbouncerRoute(null),
      mode: 0o644,
      owner: HOST_USERS.pgbouncer,
      group: HOST_USERS.pgbouncer,
      secret: false,
      restarts: [],
      createOnly: true,
    },
  ];
}

export function renderPgbouncerService(spec: Spec, host: HostConfig, programs: HostPrograms): HostService {
  return {
    name: SERVICE_NAMES.pgbouncer,
    description: `gardenos PgBouncer on ${host.name}: pooled primary :${spec.pooler.port} (cluster ${spec.name})`,
    user: HOST_USERS.pgbouncer,
    group: HOST_USERS.pgbouncer,
    // In the foreground (no -d), so the supervised pid is PgBouncer's own.
    exec: [programs.pgbouncer, HOST_PATHS.pgbouncer.config],
    environmentFiles: [],
    environment: { ...BASE_ENVIRONMENT, HOME: HOST_PATHS.pgbouncer.stateDir },
    after: ['network-online.target'],
    wants: ['network-online.target'],
    workingDirectory: HOST_PATHS.pgbouncer.stateDir,
    restart: { policy: 'always', delaySec: 2 },
    // max_client_conn plus the server connections, with room.
    limits: { noFile: Math.max(4096, spec.pooler.maxClientConn * 2 + 1024) },
    stop: { timeoutSec: 10, mainProcessOnly: false },
    directories: [
      { path: HOST_PATHS.pgbouncer.stateDir, mode: 0o750 },
      { path: HOST_PATHS.pgbouncer.socketDir, mode: 0o700 },
    ],
    logFile: HOST_PATHS.logFile(SERVICE_NAMES.pgbouncer),
    unit: 'own',
  };
}
