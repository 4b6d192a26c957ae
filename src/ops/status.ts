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
import { readFiringAlerts } from '../monitoring/alerts.js';
import { etcdClientEndpoints, pgAddress } from '../render/topology.js';
import { withPg } from '../runtime/pg-session.js';
import type { Spec } from '../spec/index.js';
import { poolerStatus, unreachablePooler, type PoolerStatus } from './pooler-status.js';
import {
  findProblems,
  monitoringEndpoints,
  statusEtcd,
  statusMembers,
  statusPostgres,
  type MonitoringStatus,
  type PlatformStatus,
} from './status-model.js';

export {
  findProblems,
  kernelRouteProblems,
  monitoringEndpoints,
  statusEtcd,
  statusMembers,
  statusPostgres,
  type KernelRouteStatus,
  type MonitoringStatus,
  type PlatformStatus,
} from './status-model.js';

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

async function monitoringStatus(spec: Spec, anyRunning: boolean): Promise<MonitoringStatus | null> {
  const url = monitoringEndpoints(spec).prometheus;
  if (!url) return null;
  if (!anyRunning) return { prometheusURL: url, reachable: false, firingAlerts: [] };
  const read = await readFiringAlerts(url, 1500);
  return read.ok
    ? { prometheusURL: url, reachable: true, firingAlerts: read.alerts }
    : { prometheusURL: url, reachable: false, firingAlerts: [], error: read.error };
}
