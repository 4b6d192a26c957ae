// What provisioning waits for between steps, asked over the network from the operator's machine the
// way clients see it: etcd healthy over TLS, one Patroni leader with every replica streaming, every
// router pointing its HAProxy at that leader, Prometheus scraping every target. Each wait polls a state; none sleeps for a fixed time.
import { readFileSync } from 'node:fs';
import { etcdMembersStatus, type EtcdMemberStatus, type EtcdTls } from '../../dcs/etcd-status.js';
import { GardenError } from '../../errors.js';
import { prometheusTargetsProbe } from '../../monitoring/targets.js';
import { etcdClientEndpoints, patroniApis, prometheusUrl } from '../../render/topology.js';
import { hostsWithRole, type Spec } from '../../spec/index.js';
import { PatroniClusterReader, type ClusterView } from '../../patroni/cluster-reader.js';
import type { PatroniCluster } from '../../patroni/index.js';
import { getJson, type TlsMaterial } from '../../net/http.js';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/** Polls `probe` until it returns a value; past the deadline throws TIMEOUT with the last state seen. */
type Probe<T> = { done: T; state?: never } | { state: string; done?: never };

async function until<T>(what: string, probe: () => Promise<Probe<T>>, o: WaitOptions, hint: string): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  let last = 'nothing answered yet';
  for (;;) {
    const r: Probe<T> = await probe().catch((err: Error) => ({ state: err.message }));
    if (r.state === undefined) return r.done as T;
    last = r.state;
    if (Date.now() >= deadline) {
      throw new GardenError(
        'TIMEOUT',
        `Timed out after ${Math.round(o.timeoutMs / 1000)} s waiting for ${what}; last seen: ${last}.`,
        { hint },
      );
    }
    if (o.signal?.aborted) throw new GardenError('TIMEOUT', `Stopped while waiting for ${what}.`, { hint });
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 500));
  }
}

export async function waitForEtcd(spec: Spec, tls: EtcdTls, o: WaitOptions): Promise<EtcdMemberStatus[]> {
  const endpoints = etcdClientEndpoints(spec);
  return until<EtcdMemberStatus[]>(
    'every etcd member to be healthy over TLS',
    async () => {
      const members = await etcdMembersStatus(endpoints, 2000, tls);
      const leaders = members.filter((m) => m.isLeader).length;
      if (members.every((m) => m.healthy) && leaders === 1) return { done: members };
      return {
        state: members
          .map((m) => `${m.name} ${m.healthy ? (m.isLeader ? 'leader' : 'healthy') : `down (${m.error ?? '?'})`}`)
          .join(', '),
      };
    },
    o,
    'see `gardenos logs etcd` for the hosts named above (etcd logs to /var/log/gardenos/gardenos-etcd.log); peers must reach each other on 2380 and the certificates must name their addresses',
  );
}

export type PatroniTls = TlsMaterial;

export function patroniTls(files: { caFile: string; certFile: string; keyFile: string }): PatroniTls {
  return { ca: readFileSync(files.caFile), cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) };
}

/** The cluster as the first Patroni that answers sees it (the one cluster reader, over TLS). */
export async function readPatroniCluster(spec: Spec, tls: PatroniTls, timeoutMs = 2000): Promise<ClusterView> {
  const fetchCluster = (apiUrl: string, t: number) =>
    getJson<PatroniCluster>(`${apiUrl}/cluster`, { tls, timeoutMs: t });
  const view = await new PatroniClusterReader(patroniApis(spec), timeoutMs, fetchCluster).read();
  if (!view.source) throw view.errors.at(-1)?.error ?? new Error('no Patroni answered');
  return view;
}

export async function waitForPatroni(
  spec: Spec,
  tls: PatroniTls,
  o: WaitOptions,
): Promise<{ leader: string; replicas: string[] }> {
  const names = spec.nodes.map((n) => n.name);
  return until<{ leader: string; replicas: string[] }>(
    'one Patroni leader with every replica streaming',
    async () => {
      const c = await readPatroniCluster(spec, tls);
      const leader = c.members.find((m) => m.role === 'leader' && m.state === 'running');
      const replicas = c.members.filter(
        (m) => m.role !== 'leader' && ['streaming', 'running'].includes(m.state) && m.lag !== 'unknown',
      );
      const all = names.every((n) => c.members.some((m) => m.name === n));
      if (leader && all && replicas.length === names.length - 1)
        return { done: { leader: leader.name, replicas: replicas.map((m) => m.name) } };
      return {
        state: names
          .map((n) => {
            const m = c.members.find((x) => x.name === n);
            return `${n} ${m ? `${m.role}/${m.state}` : 'absent'}`;
          })
          .join(', '),
      };
    },
    o,
    'see the Patroni log (/var/log/gardenos/gardenos-patroni.log) on the hosts named above; replicas clone from the leader over TLS on 5432',
  );
}

interface RouterStatus {
  routedTo?: string | null;
  leader?: string | null;
}

export async function waitForRouters(spec: Spec, leader: string, o: WaitOptions): Promise<void> {
  const routers = hostsWithRole(spec, 'haproxy').filter(() => spec.router.enabled);
  await until<undefined>(
    `every router to send the primary port to ${leader}`,
    async () => {
      const seen = await Promise.all(
        routers.map(async (h) => {
          const s = await getJson<RouterStatus>(`http://${h.address}:${spec.router.port}/status`, {
            timeoutMs: 2000,
          }).catch(() => undefined);
          return { host: h.name, routedTo: s?.routedTo ?? null };
        }),
      );
      if (seen.every((s) => s.routedTo === leader)) return { done: undefined };
      return { state: seen.map((s) => `${s.host} → ${s.routedTo ?? 'nothing'}`).join(', ') };
    },
    o,
    'see the router log (/var/log/gardenos/gardenos-router.log) and HAProxy log on the hosts named above',
  );
}

/** Prometheus on the monitoring host scrapes every target and the last scrape of each worked; resolves to their number. */
export async function waitForPrometheus(spec: Spec, o: WaitOptions): Promise<number> {
  const url = prometheusUrl(spec);
  const probe = prometheusTargetsProbe(url);
  const host = spec.monitoring.host ?? '';
  return until<number>(
    `Prometheus on ${host} (${url}) to scrape every target`,
    async () => {
      const bad = await probe();
      if (bad !== undefined) return { state: bad };
      const body = await getJson<{ data?: { activeTargets?: unknown[] } }>(`${url}/api/v1/targets?state=active`, {
        timeoutMs: 2000,
      });
      return { done: body.data?.activeTargets?.length ?? 0 };
    },
    o,
    `see /var/log/gardenos/gardenos-prometheus.log on ${host} and the log of the target named above (gardenos-postgres-exporter.log, gardenos-exporter.log); each target must be reachable from ${host}`,
  );
}
