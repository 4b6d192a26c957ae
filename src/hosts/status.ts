// `gardenos status` on the hosts target: the same PlatformStatus as on one machine, gathered over the
// network the way clients see the cluster (etcd and Patroni over TLS, each router and HAProxy stats
// page on its host), and over SSH for which services run on each host.
import { readFileSync } from 'node:fs';
import { etcdMembersStatus } from '../dcs/etcd-status.js';
import {
  findProblems,
  routerView,
  statusEtcd,
  statusMembers,
  statusPostgres,
  type MonitoringStatus,
  type PlatformStatus,
} from '../ops/status.js';
import { readFiringAlerts } from '../monitoring/alerts.js';
import { PatroniClusterReader } from '../patroni/cluster-reader.js';
import type { PatroniCluster } from '../patroni/index.js';
import { SERVICE_NAMES } from '../render/hosts/paths.js';
import { STATS_USER } from '../render/hosts/haproxy.js';
import { etcdClientEndpoints, patroniApis, prometheusUrl } from '../render/topology.js';
import { hostsWithRole, type Spec } from '../spec/index.js';
import { getJson, type TlsMaterial } from '../net/http.js';
import { hostsPoolers } from './poolers.js';
import { hostsPkiAt, hostsPkiDir } from './pki.js';
import type { ConnectAllOptions } from './provision/connect.js';
import { surveyHosts } from './survey.js';
import { hostsSecretsFile, loadOrCreateHostsSecrets } from './secrets.js';

export interface HostsStatusOptions {
  specDir: string;
  agentSocket?: string;
  connect?: ConnectAllOptions['connect'];
}

const KINDS: Record<string, string> = {
  [SERVICE_NAMES.etcd]: 'etcd',
  [SERVICE_NAMES.patroni]: 'patroni',
  [SERVICE_NAMES.haproxy]: 'haproxy',
  [SERVICE_NAMES.pgbouncer]: 'pgbouncer',
  [SERVICE_NAMES.router]: 'router',
  [SERVICE_NAMES.pgbackrest]: 'pgbackrest',
  // The local target's kinds, so the same problem rules (Prometheus running but not answering) apply.
  [SERVICE_NAMES.prometheus]: 'prometheus',
  [SERVICE_NAMES.postgresExporter]: 'exporter',
  [SERVICE_NAMES.gardenosExporter]: 'exporter',
};

export async function collectHostsStatus(spec: Spec, o: HostsStatusOptions): Promise<PlatformStatus> {
  const stateDir = spec.local.stateDir;
  const pki = hostsPkiAt(hostsPkiDir(stateDir));
  const tls: TlsMaterial = {
    ca: readFileSync(pki.caFile),
    cert: readFileSync(pki.operator.certFile),
    key: readFileSync(pki.operator.keyFile),
  };
  const { secrets } = loadOrCreateHostsSecrets(hostsSecretsFile(stateDir));
  const fetchCluster = (apiUrl: string, timeoutMs: number) =>
    getJson<PatroniCluster>(`${apiUrl}/cluster`, { tls, timeoutMs });
  const haproxyHosts = hostsWithRole(spec, 'haproxy');
  const first = haproxyHosts[0];

  const [etcd, cluster, processes, stats, router, poolers, monitoring] = await Promise.all([
    etcdMembersStatus(etcdClientEndpoints(spec), 2000, { caFile: pki.caFile, ...pki.operator }),
    new PatroniClusterReader(patroniApis(spec), 2000, fetchCluster).read(),
    hostProcesses(spec, o, stateDir),
    first
      ? getJson<string>(`http://${first.address}:${spec.haproxy.statsPort}/stats;csv`, {
          timeoutMs: 2000,
          auth: `${STATS_USER}:${secrets.haproxyStatsPassword}`,
          raw: true,
        }).catch(() => '')
      : Promise.resolve(''),
    spec.router.enabled && first
      ? routerView(`http://${first.address}:${spec.router.port}`, true)
      : Promise.resolve(null),
    hostsPoolers(spec),
    hostsMonitoringStatus(spec),
  ]);
  const members = statusMembers(spec, cluster);
  const servers = parseStatsCsv(stats);
  const status: PlatformStatus = {
    name: spec.name,
    stateDir,
    health: 'healthy',
    problems: [],
    processes: processes.list,
    etcd: statusEtcd(etcd),
    postgres: statusPostgres(spec, members),
    haproxy: {
      statsURL: first ? `http://${first.address}:${spec.haproxy.statsPort}/stats` : '',
      backends: ['primary', 'replicas']
        .filter((b) => servers.some((s) => s.backend === b))
        .map((b) => ({
          name: b,
          servers: servers.filter((s) => s.backend === b).map((s) => ({ name: s.server, status: s.status })),
        })),
    },
    endpoints: {
      primary: { host: first?.address ?? '', port: spec.haproxy.primaryPort },
      replicas: { host: first?.address ?? '', port: spec.haproxy.replicaPort },
      // No dashboard on the hosts target: `gardenos dashboard` runs on your machine.
      ...(monitoring ? { prometheus: monitoring.prometheusURL } : {}),
    },
    router,
    poolers: poolers ?? [],
    kernelRoute: null,
    monitoring,
  };
  status.problems = [...processes.problems, ...findProblems(status, spec.postgres.maximumLagOnFailover)];
  const nothing = processes.list.length > 0 && processes.list.every((p) => !p.running) && etcd.every((e) => !e.healthy);
  status.health = nothing ? 'down' : status.problems.length === 0 ? 'healthy' : 'degraded';
  return status;
}

/** Prometheus on the monitoring host and its firing alerts, as the local status reads them; null with monitoring off. */
export async function hostsMonitoringStatus(
  spec: Spec,
  read: typeof readFiringAlerts = readFiringAlerts,
): Promise<MonitoringStatus | null> {
  if (!spec.monitoring.enabled) return null;
  const url = prometheusUrl(spec);
  const r = await read(url, 2000);
  return r.ok
    ? { prometheusURL: url, reachable: true, firingAlerts: r.alerts }
    : { prometheusURL: url, reachable: false, firingAlerts: [], error: r.error };
}

/** `pxname,svname,...,status,...` rows of HAProxy's CSV stats, for the PostgreSQL backends' servers. */
export function parseStatsCsv(csv: string): { backend: string; server: string; status: string }[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0]?.replace(/^# /, '').split(',') ?? [];
  const at = (name: string) => header.indexOf(name);
  const [px, sv, st] = [at('pxname'), at('svname'), at('status')];
  if (px < 0 || sv < 0 || st < 0) return [];
  return lines
    .slice(1)
    .map((l) => l.split(','))
    .filter((f) => f[sv] !== 'FRONTEND' && f[sv] !== 'BACKEND' && (f[px] === 'primary' || f[px] === 'replicas'))
    .map((f) => ({ backend: f[px]!, server: f[sv]!, status: f[st]! }));
}

async function hostProcesses(
  spec: Spec,
  o: HostsStatusOptions,
  stateDir: string,
): Promise<{ list: PlatformStatus['processes']; problems: string[] }> {
  const list: PlatformStatus['processes'] = [];
  const problems: string[] = [];
  for (const s of await surveyHosts(spec, {
    specDir: o.specDir,
    stateDir,
    agentSocket: o.agentSocket,
    connect: o.connect,
  })) {
    // Unknown is not "stopped": a host we cannot reach is named once, here.
    if (!s.states) {
      problems.push(`host ${s.host.name}: cannot read its services over SSH: ${s.error ?? 'no answer'}`);
      continue;
    }
    for (const name of s.expected) {
      const state = s.states.get(name);
      list.push({
        id: `${name}@${s.host.name}`,
        kind: KINDS[name] ?? name,
        member: s.host.name,
        running: state?.state === 'running',
        pid: state?.pid ?? null,
      });
    }
  }
  list.sort((a, b) => (a.id < b.id ? -1 : 1));
  return { list, problems };
}
