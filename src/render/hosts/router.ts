// The primary router on each haproxy host: follows the Patroni leader key in etcd and routes this host's HAProxy.
import type { Spec, HostConfig } from '../../spec/index.js';
import { hostEtcdClient } from './etcd-client.js';
import type { HostPrograms, HostService } from './model.js';
import { BASE_ENVIRONMENT, HOST_PATHS, HOST_USERS, SERVICE_NAMES } from './paths.js';

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
  ];
}

export function renderRouterService(spec: Spec, host: HostConfig, programs: HostPrograms): HostService {
  const haproxy = `${SERVICE_NAMES.haproxy}.service`;
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
    after: ['network-online.target', haproxy],
    wants: ['network-online.target', haproxy],
    restart: { policy: 'always', delaySec: 2 },
    limits: { noFile: 4096 },
    stop: { timeoutSec: 10, mainProcessOnly: false },
    directories: [],
    logFile: HOST_PATHS.logFile(SERVICE_NAMES.router),
    unit: 'own',
  };
}
