// The flags `gardenos up` starts the router with: everything it needs, so it never reads the spec.
import type { Spec } from '../spec/index.js';
import { etcdClientUrls, patroniApis, pgTlsOn } from '../render/topology.js';
import { etcdTlsFiles, localPkiAt } from './certs.js';
import type { Layout } from './layout.js';

export function routerFlags(spec: Spec, layout: Layout): string[] {
  const flags = [
    '--target',
    'haproxy',
    '--etcd',
    etcdClientUrls(spec).join(','),
    '--dcs-namespace',
    spec.etcd.namespace,
    '--scope',
    spec.name,
    '--haproxy-socket',
    layout.adminSocket,
    '--listen',
    `${spec.local.bindAddress}:${spec.router.port}`,
    '--reconcile-ms',
    String(spec.router.reconcileIntervalMs),
    '--patroni-apis',
    patroniApis(spec)
      .map((a) => a.apiUrl)
      .join(','),
  ];
  if (spec.pooler.enabled) {
    flags.push(
      '--pgbouncer-socket-dir',
      layout.pgbouncerDir,
      '--pgbouncer-port',
      String(spec.pooler.port),
      '--pgbouncer-route-file',
      layout.pgbouncerRouteFile,
      '--pgbouncer-members',
      spec.nodes.map((n) => `${n.name}=${layout.pgSocketDir}:${n.pgPort}`).join(','),
      '--pgbouncer-pause-timeout-ms',
      String(spec.pooler.pauseTimeoutMs),
      '--pgbouncer-mode',
      spec.pooler.mode,
    );
  }
  if (spec.router.kernelRoute.enabled) {
    flags.push(
      '--kernel-route',
      `${spec.local.bindAddress}:${spec.router.kernelRoute.port}`,
      '--kernel-route-members',
      spec.nodes.map((n) => `${n.name}=${spec.local.bindAddress}:${n.pgPort}`).join(','),
      '--kernel-route-table',
      kernelRouteTable(spec),
    );
  }
  if (spec.etcd.scheme === 'https') {
    const tls = etcdTlsFiles(layout.certsDir, 'router');
    flags.push('--etcd-ca', tls.caFile, '--etcd-cert', tls.certFile, '--etcd-key', tls.keyFile);
  }
  // Made by the same `up`, before the router starts (the flags are built before the CA exists).
  if (pgTlsOn(spec)) flags.push('--patroni-ca', localPkiAt(layout.certsDir).caFile);
  return flags;
}

/** The nftables table of one platform: its name and base port, unique on the machine. */
export function kernelRouteTable(spec: Spec): string {
  return `gardenos_${spec.name.replace(/[^A-Za-z0-9]/g, '_')}_${spec.local.basePort}`;
}
