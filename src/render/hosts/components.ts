// Which of gardenos's services run on one host, from its roles and the spec's switches.
import { monitoringOn, runsPgbackrestServer, type HostConfig, type Spec } from '../../spec/index.js';

export interface HostComponents {
  etcd: boolean;
  patroni: boolean;
  haproxy: boolean;
  /** The router follows the Patroni leader and routes this host's HAProxy. */
  router: boolean;
  /** PgBouncer beside HAProxy; the router keeps it on the leader, so it needs the router. */
  pgbouncer: boolean;
  k3s: boolean;
  /** pgBackRest's TLS server: on every PostgreSQL host and the repository host, with backups on. */
  pgbackrest: boolean;
  /** monitoring.enabled: Prometheus on the monitoring host, the exporters beside what they read. */
  prometheus: boolean;
  postgresExporter: boolean;
  gardenosExporter: boolean;
}

export function hostComponents(spec: Spec, host: HostConfig): HostComponents {
  const has = (role: HostConfig['roles'][number]) => host.roles.includes(role);
  return {
    etcd: has('etcd'),
    patroni: has('postgres'),
    haproxy: has('haproxy'),
    router: has('haproxy') && spec.router.enabled,
    pgbouncer: has('haproxy') && spec.router.enabled && spec.pooler.enabled,
    k3s: has('k3s-server') && spec.k3s?.enabled === true,
    pgbackrest: runsPgbackrestServer(spec, host),
    ...monitoringOn(spec, host),
  };
}
