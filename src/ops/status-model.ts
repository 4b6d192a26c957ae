// What `status` shows and how it judges it: the PlatformStatus shape (docs/status-json.md) and the pure
// functions that fill and judge it, shared by the local and the hosts target; no I/O here.
import type { EtcdMemberStatus } from '../dcs/etcd-status.js';
import type { AlertView } from '../monitoring/alerts.js';
import type { ClusterView } from '../patroni/cluster-reader.js';
import {
  alertmanagerAddress,
  alertmanagerOf,
  dashboardUrl,
  patroniApiUrl,
  prometheusUrl,
  topologyOf,
} from '../render/topology.js';
import type { Spec } from '../spec/resolve.js';
import { poolerProblems, type PoolerStatus } from './pooler-status.js';

export interface PlatformStatus {
  name: string;
  stateDir: string;
  health: 'healthy' | 'degraded' | 'down';
  problems: string[];
  processes: { id: string; kind: string; member: string; running: boolean; pid: number | null }[];
  etcd: { members: { name: string; clientURL: string; healthy: boolean; isLeader: boolean; version: string | null }[] };
  postgres: {
    scope: string;
    leader: string | null;
    members: {
      name: string;
      role: string;
      state: string;
      timeline: number | null;
      lagBytes: number | null;
      host: string;
      port: number;
      apiURL: string;
    }[];
  };
  haproxy: { statsURL: string; backends: { name: string; servers: { name: string; status: string }[] }[] };
  endpoints: {
    primary: { host: string; port: number };
    replicas: { host: string; port: number };
    /** Prometheus's web UI and API; only with monitoring.enabled. */
    prometheus?: string;
    /** The live dashboard (without its token: `gardenos dashboard --print-url` adds it); only with monitoring.enabled. */
    dashboard?: string;
    /** With monitoring.alertmanager.enabled (local target). */
    alertmanager?: string;
  };
  /** The router's own view (GET /status), null when the router is disabled. */
  router: {
    url: string;
    reachable: boolean;
    leader: string | null;
    routedTo: string | null;
    lastDecision: string | null;
    watchErrors: number;
  } | null;
  /** PgBouncer in front of the leader: one on one machine, one per haproxy host; none when pooler.enabled is off. */
  poolers: PoolerStatus[];
  /** The nftables DNAT rule the router keeps (router.kernelRoute), null when it is off. */
  kernelRoute: KernelRouteStatus | null;
  /** The platform's Prometheus and its firing alerts, null when monitoring.enabled is off. */
  monitoring: MonitoringStatus | null;
}

export interface MonitoringStatus {
  prometheusURL: string;
  reachable: boolean;
  /** Alerts that held for their `for:` (pending ones are left out), critical first. */
  firingAlerts: AlertView[];
  /** Why Prometheus could not be asked. */
  error?: string;
}

export interface KernelRouteStatus {
  port: number;
  routedTo: string | null;
  /** Why the table could not be read (nft needs root). */
  readError?: string;
}

/** Every node of the spec as status shows it: Patroni's view of it, or `unreachable`. */
export function statusMembers(
  spec: Spec,
  cluster: ClusterView | undefined,
  liveLag?: Map<string, number>,
): PlatformStatus['postgres']['members'] {
  return topologyOf(spec).nodes.map((n) => {
    const m = cluster?.members.find((x) => x.name === n.name);
    const patroniLag = typeof m?.lag === 'number' ? m.lag : null;
    return {
      name: n.name,
      role: m?.role ?? 'unknown',
      state: m?.state ?? 'unreachable',
      timeline: m?.timeline ?? null,
      lagBytes: m?.role === 'leader' ? 0 : (liveLag?.get(n.name) ?? patroniLag),
      host: n.host,
      port: n.pgPort,
      apiURL: patroniApiUrl(spec, n),
    };
  });
}

export function statusEtcd(etcd: readonly EtcdMemberStatus[]): PlatformStatus['etcd'] {
  return {
    members: etcd.map((e) => ({
      name: e.name,
      clientURL: e.clientURL,
      healthy: e.healthy,
      isLeader: e.isLeader,
      version: e.version ?? null,
    })),
  };
}

export function statusPostgres(spec: Spec, members: PlatformStatus['postgres']['members']): PlatformStatus['postgres'] {
  return { scope: spec.name, leader: members.find((m) => m.role === 'leader')?.name ?? null, members };
}

export function findProblems(s: PlatformStatus, maxLag: number): string[] {
  const problems: string[] = [];
  for (const p of s.processes) if (!p.running) problems.push(`${p.member} (${p.kind}) is not running`);
  for (const e of s.etcd.members) if (!e.healthy) problems.push(`etcd member ${e.name} is not healthy`);
  if (!s.postgres.leader) problems.push('the Patroni cluster has no leader');
  for (const m of s.postgres.members) {
    if (m.state !== 'running' && m.state !== 'streaming') problems.push(`PostgreSQL ${m.name} is ${m.state}`);
    if (m.lagBytes !== null && m.lagBytes > maxLag) problems.push(`replica ${m.name} lags ${m.lagBytes} bytes`);
  }
  for (const b of s.haproxy.backends) {
    const up = b.servers.filter((x) => x.status.startsWith('UP')).length;
    const want = b.name === 'primary' ? 1 : Math.max(0, s.postgres.members.length - 1);
    if (up !== want) problems.push(`HAProxy backend ${b.name} has ${up} servers UP (want ${want})`);
  }
  if (s.haproxy.backends.length === 0) problems.push('HAProxy does not answer on its admin socket');
  if (s.router && !s.router.reachable) problems.push('the router does not answer');
  else if (s.router && s.postgres.leader && s.router.routedTo !== s.postgres.leader) {
    problems.push(
      `the router routes the primary to ${s.router.routedTo ?? 'nobody'}, but the leader is ${s.postgres.leader}`,
    );
  }
  for (const p of s.poolers) problems.push(...poolerProblems(p, s.postgres.leader));
  if (s.kernelRoute) problems.push(...kernelRouteProblems(s.kernelRoute, s.postgres.leader));
  // Firing alerts are shown beside the verdict, not in it: they hold for their `for:` and clear a scrape
  // later, while the verdict is what is seen now; doctor turns each into a finding.
  if (s.monitoring && !s.monitoring.reachable && s.processes.some((p) => p.kind === 'prometheus' && p.running)) {
    problems.push(`Prometheus at ${s.monitoring.prometheusURL} does not answer (${s.monitoring.error ?? 'no answer'})`);
  }
  return problems;
}

/** The URLs of Prometheus and the dashboard on this machine, when monitoring is on. */
export function monitoringEndpoints(spec: Spec): { prometheus?: string; dashboard?: string; alertmanager?: string } {
  if (!spec.monitoring.enabled) return {};
  const am = alertmanagerOf(spec);
  return {
    prometheus: prometheusUrl(spec),
    dashboard: dashboardUrl(spec),
    ...(am ? { alertmanager: `http://${alertmanagerAddress(spec, am)}/` } : {}),
  };
}

/** What is wrong with the kernel route, given the leader. */
export function kernelRouteProblems(k: KernelRouteStatus, leader: string | null): string[] {
  if (k.readError) return [`the kernel route (:${k.port}) cannot be read: ${k.readError}`];
  if (leader && k.routedTo !== leader)
    return [`the kernel route (:${k.port}) sends writes to ${k.routedTo ?? 'nobody'}, but the leader is ${leader}`];
  return [];
}
