// Collects the whole state of a local platform: processes, etcd, Patroni, HAProxy, endpoints, and a verdict.
import { existsSync } from 'node:fs';
// Imported from the modules themselves, not their barrels: `gardenos status` then loads none of the
// dashboard's, gRPC's or prom-client's packages (test: src/cli/command-deps.test.ts).
import { etcdMembersStatus, type EtcdMemberStatus } from '../dcs/etcd-status.js';
import { showServers } from '../haproxy/runtime-api.js';
import { getJson } from '../net/http.js';
import { kernelRouteState } from '../local/kernel-route.js';
import type { Layout } from '../local/layout.js';
import { etcdClientTls, type LocalPlatform } from '../local/platform.js';
import { localPoolerAdmin, localPoolerControl } from '../local/pooler.js';
import { localClusterReader, localPgSsl } from '../local/server-clients.js';
import { readSecrets } from '../local/state-dir.js';
import { readFiringAlerts, type AlertView } from '../monitoring/alerts.js';
import type { ClusterView } from '../patroni/index.js';
import {
  dashboardUrl,
  etcdClientEndpoints,
  patroniApiUrl,
  pgAddress,
  prometheusUrl,
  topologyOf,
} from '../render/topology.js';
import { withPg } from '../runtime/pg-session.js';
import type { Spec } from '../spec/index.js';
import { poolerProblems, poolerStatus, unreachablePooler, type PoolerStatus } from './pooler-status.js';

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

export async function collectStatus(platform: LocalPlatform): Promise<PlatformStatus> {
  const { spec, layout } = platform;
  const host = spec.local.bindAddress;
  const processes = platform.processes.map((p) => {
    const id = p.running();
    return { id: p.id, kind: p.spec.kind, member: p.spec.member, running: id !== undefined, pid: id?.pid ?? null };
  });
  const anyRunning = processes.some((p) => p.running);

  const clusterRead = anyRunning ? localClusterReader(spec, 1500).read() : Promise.resolve(undefined);
  const [etcd, cluster, liveLag, servers, router, pooler, kernelRoute, monitoring] = await Promise.all([
    anyRunning
      ? etcdMembersStatus(etcdClientEndpoints(spec), 1500, etcdClientTls(platform))
      : Promise.resolve(
          etcdClientEndpoints(spec).map((e): EtcdMemberStatus => ({ ...e, healthy: false, isLeader: false })),
        ),
    clusterRead,
    // Asked as soon as the leader is known, while the other answers are still coming.
    clusterRead.then((c) => (c?.leader ? replayLagFromLeader(platform, c.leader) : undefined)),
    anyRunning ? showServers(layout.adminSocket).catch(() => []) : Promise.resolve([]),
    spec.router.enabled ? routerView(`http://${host}:${spec.router.port}`, anyRunning) : Promise.resolve(null),
    localPoolerStatus(spec, layout, anyRunning),
    kernelRouteState(spec),
    monitoringStatus(spec, anyRunning),
  ]);

  const members = statusMembers(spec, cluster, liveLag);
  const backendNames = [...new Set(servers.map((s) => s.backend))].filter((b) => b !== 'stats');
  const status: PlatformStatus = {
    name: spec.name,
    stateDir: layout.root,
    health: 'healthy',
    problems: [],
    processes,
    etcd: statusEtcd(etcd),
    postgres: statusPostgres(spec, members),
    haproxy: {
      statsURL: `http://${host}:${spec.haproxy.statsPort}/stats`,
      backends: backendNames.map((b) => ({
        name: b,
        servers: servers.filter((s) => s.backend === b).map((s) => ({ name: s.server, status: s.status })),
      })),
    },
    endpoints: {
      primary: { host, port: spec.haproxy.primaryPort },
      replicas: { host, port: spec.haproxy.replicaPort },
      ...monitoringEndpoints(spec),
    },
    router,
    poolers: pooler ? [pooler] : [],
    kernelRoute,
    monitoring,
  };
  status.problems = findProblems(status, spec.postgres.maximumLagOnFailover);
  if (
    spec.postgres.synchronousMode &&
    spec.nodes.length > 1 &&
    status.postgres.leader &&
    !members.some((m) => m.role === 'sync_standby')
  ) {
    // Until Patroni names one, no replica is eligible for promotion: a leader crash now would leave no leader.
    status.problems.push(
      'synchronous mode: Patroni has not named a synchronous standby (no replica may take over yet)',
    );
  }
  status.health = !anyRunning ? 'down' : status.problems.length === 0 ? 'healthy' : 'degraded';
  if (!anyRunning) status.problems = ['no process of this platform is running'];
  return status;
}

/**
 * Replay lag per standby as the leader sees it now (pg_stat_replication). Patroni's own figure comes
 * from member keys refreshed once per loop, so it can show megabytes of lag that are long gone.
 */
async function replayLagFromLeader(platform: LocalPlatform, leader: string): Promise<Map<string, number> | undefined> {
  if (!platform.spec.nodes.some((n) => n.name === leader) || !existsSync(platform.layout.secretsFile)) return undefined;
  try {
    const secrets = readSecrets(platform.layout);
    return await withPg(
      platform.spec,
      secrets,
      pgAddress(platform.spec, leader),
      async (c) => {
        const r = await c.query<{ name: string; lag: string | null }>(
          'SELECT application_name AS name, pg_wal_lsn_diff(pg_current_wal_lsn(), coalesce(replay_lsn, sent_lsn)) AS lag FROM pg_stat_replication',
        );
        return new Map(r.rows.filter((row) => row.lag !== null).map((row) => [row.name, Number(row.lag)]));
      },
      localPgSsl(platform.spec),
    );
  } catch {
    return undefined;
  }
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

export async function routerView(url: string, anyRunning: boolean): Promise<PlatformStatus['router']> {
  const down = { url, reachable: false, leader: null, routedTo: null, lastDecision: null, watchErrors: 0 };
  if (!anyRunning) return down;
  try {
    const v = await getJson<{
      leader: string | null;
      routedTo: string | null;
      lastDecision: string | null;
      watchErrors: number;
    }>(`${url}/status`, { timeoutMs: 1000 });
    return {
      url,
      reachable: true,
      leader: v.leader,
      routedTo: v.routedTo,
      lastDecision: v.lastDecision,
      watchErrors: v.watchErrors,
    };
  } catch {
    return down;
  }
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

export async function localPoolerStatus(spec: Spec, layout: Layout, anyRunning: boolean): Promise<PoolerStatus | null> {
  const control = localPoolerControl(spec);
  if (!control) return null;
  const src = {
    admin: localPoolerAdmin(spec, layout, 1500),
    control,
    port: spec.pooler.port,
    mode: spec.pooler.mode,
    memberAt: (port: number) => spec.nodes.find((n) => n.pgPort === port)?.name,
  };
  if (!anyRunning) return unreachablePooler(src);
  return poolerStatus(src);
}

/** The URLs of Prometheus and the dashboard on this machine, when monitoring is on. */
export function monitoringEndpoints(spec: Spec): { prometheus?: string; dashboard?: string } {
  if (!spec.monitoring.enabled) return {};
  return { prometheus: prometheusUrl(spec), dashboard: dashboardUrl(spec) };
}

async function monitoringStatus(spec: Spec, anyRunning: boolean): Promise<MonitoringStatus | null> {
  const url = monitoringEndpoints(spec).prometheus;
  if (!url) return null;
  if (!anyRunning) return { prometheusURL: url, reachable: false, firingAlerts: [] };
  const read = await readFiringAlerts(url, 1500);
  return read.ok
    ? { prometheusURL: url, reachable: true, firingAlerts: read.alerts }
    : { prometheusURL: url, reachable: false, firingAlerts: [], error: read.error };
}

/** What is wrong with the kernel route, given the leader. */
export function kernelRouteProblems(k: KernelRouteStatus, leader: string | null): string[] {
  if (k.readError) return [`the kernel route (:${k.port}) cannot be read: ${k.readError}`];
  if (leader && k.routedTo !== leader)
    return [`the kernel route (:${k.port}) sends writes to ${k.routedTo ?? 'nobody'}, but the leader is ${leader}`];
  return [];
}
