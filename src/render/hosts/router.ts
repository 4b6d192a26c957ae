// The primary router on each haproxy host: follows the Patroni leader key in etcd and routes this host's HAProxy.
import type { Spec, HostConfig } from '../../spec/index.js';
import { hostComponents } from './components.js';
import { hostEtcdClient } from './etcd-client.js';
import type { HostPrograms, HostService } from './model.js';
import { BASE_ENVIRONMENT, HOST_PATHS, HOST_USERS, SERVICE_NAMES } from './paths.js';
import { hostPoolerMembers, POOLER_TLS } from './pgbouncer.js';

/**
 * The flags `gardenos router` parses (src/router/settings.ts): everything it needs, so it never loads
 * the spec. etcd authenticates it by its client certificate; no secret is on its command line.
 */
export function hostRouterFlags(spec: Spec, host: HostConfig): string[] {
  const etcd = hostEtcdClient(spec, 'router');
  return [
    '--target',
    'haproxy',
    '--etcd',
    etcd.urls.join(','),
    '--dcs-namespace',
    spec.etcd.namespace,
    '--scope',
    spec.name,
    '--haproxy-socket',
    HOST_PATHS.haproxy.adminSocket,
    '--listen',
    `${host.address}:${spec.router.port}`,
    '--reconcile-ms',
    String(spec.router.reconcileIntervalMs),
    '--etcd-ca',
    etcd.tls.caFile,
    '--etcd-cert',
    etcd.tls.certFile,
    '--etcd-key',
    etcd.tls.keyFile,
    // Patroni's REST API is https with a certificate from the same CA.
    '--patroni-ca',
    HOST_PATHS.tls.ca,
    ...(hostComponents(spec, host).pgbouncer ? pgbouncerFlags(spec) : []),
  ];
}

/** PgBouncer on the same host: its console, its route file, the members over TLS with its client certificate. */
function pgbouncerFlags(spec: Spec): string[] {
  return [
    '--pgbouncer-socket-dir',
    HOST_PATHS.pgbouncer.socketDir,
    '--pgbouncer-port',
    String(spec.pooler.port),
    '--pgbouncer-route-file',
    HOST_PATHS.pgbouncer.routeFile,
    '--pgbouncer-members',
    hostPoolerMembers(spec)
      .map((m) => `${m.name}=${m.host}:${m.port}`)
      .join(','),
    '--pgbouncer-pause-timeout-ms',
    String(spec.pooler.pauseTimeoutMs),
    '--pgbouncer-mode',
    spec.pooler.mode,
    '--pgbouncer-server-ca',
    POOLER_TLS.caFile,
    '--pgbouncer-server-cert',
    POOLER_TLS.certFile,
    '--pgbouncer-server-key',
    POOLER_TLS.keyFile,
  ];
}

export function renderRouterService(spec: Spec, host: HostConfig, programs: HostPrograms): HostService {
  const haproxy = `${SERVICE_NAMES.haproxy}.service`;
  const pgbouncer = hostComponents(spec, host).pgbouncer ? [`${SERVICE_NAMES.pgbouncer}.service`] : [];
  return {
    name: SERVICE_NAMES.router,
    description: `gardenos primary router on ${host.name} (cluster ${spec.name})`,
    user: HOST_USERS.router,
    group: HOST_USERS.router,
    // A small heap, as on the local target (src/local/components.ts): the router uses about 10 MB of it.
    exec: [
      programs.node,
      '--max-semi-space-size=1',
      '--max-old-space-size=32',
      programs.gardenos,
      'router',
      ...hostRouterFlags(spec, host),
    ],
    environmentFiles: [],
    environment: { ...BASE_ENVIRONMENT },
    after: ['network-online.target', haproxy, ...pgbouncer],
    wants: ['network-online.target', haproxy, ...pgbouncer],
    restart: { policy: 'always', delaySec: 2 },
    limits: { noFile: 4096 },
    stop: { timeoutSec: 10, mainProcessOnly: false },
    directories: [],
    logFile: HOST_PATHS.logFile(SERVICE_NAMES.router),
    unit: 'own',
  };
}
