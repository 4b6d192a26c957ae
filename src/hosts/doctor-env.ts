// doctor on the hosts target: the DoctorEnv over the network (etcd, Patroni and PostgreSQL with the
// platform's CA and the operator's certificate) and the facts one SSH round gathered from each host.
import { readPoolerAuth } from '../pooler/index.js';
import { hostsPoolerHosts, hostsPoolers } from './poolers.js';
import { etcdMembersStatus, readScope, type EtcdTls } from '../dcs/index.js';
import { describeCause } from '../errors.js';
import type { PlatformAccess } from '../ops/access.js';
import { liveEnv, readArchiver, type LiveEnvOptions } from '../ops/doctor/live-env.js';
import { acceptsPlaintext } from '../runtime/index.js';
import type { DoctorEnv, HostsFacts, Maybe, PgProbe } from '../ops/doctor/types.js';
import { SERVICE_NAMES } from '../render/hosts/paths.js';
import { STATS_USER } from '../render/hosts/haproxy.js';
import { patroniApis, prometheusUrl, type PgAddress } from '../render/index.js';
import { readFiringAlerts } from '../monitoring/alerts.js';
import { getJson } from '../net/http.js';
import type { Spec } from '../spec/index.js';
import { hostsAccess } from './access.js';
import { hostsPkiAt, hostsPkiDir } from './pki.js';
import { MAX_CLOCK_SKEW_MS } from './provision/preflight.js';
import { hostsSecretsFile, loadOrCreateHostsSecrets } from './secrets.js';
import { parseStatsCsv } from './status.js';
import { surveyHosts, type HostSurvey } from './survey.js';

const maybe = async <T>(fn: () => Promise<T>): Promise<Maybe<T>> => {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, error: describeCause(err) };
  }
};

export interface HostsDoctorOptions {
  access: PlatformAccess;
  etcdTls: EtcdTls;
  haproxyStatsPassword: string;
  survey: HostSurvey[];
  /** For the Kubernetes checks, as on one machine. */
  local: LiveEnvOptions;
  maxClockSkewMs: number;
}

/** pg_is_in_recovery() of the server behind one address, over TLS. */
function inRecovery(access: PlatformAccess, at: PgAddress): Promise<PgProbe> {
  return access.withPg(at, async (c) => {
    const r = await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
    return { inRecovery: r.rows[0]!.r };
  });
}

export function hostsDoctorEnv(o: HostsDoctorOptions): DoctorEnv {
  const { access } = o;
  const { spec } = access;
  const nameOfApi = new Map(patroniApis(spec).map((a) => [a.apiUrl, a.name]));
  const stateOf = (host: string, service: string) =>
    o.survey.find((s) => s.host.name === host)?.states?.get(service)?.state;
  // From this machine's doctor only what is not about this machine: the TLS probe and the Kubernetes objects.
  const local = liveEnv(o.local);
  return {
    speaksTls: local.speaksTls,
    kubeObjects: local.kubeObjects,
    readText: () => undefined,
    stat: () => undefined,
    etcdStatus: (urls) => etcdMembersStatus(urls, 1500, o.etcdTls),
    dcsScope: (prefix) =>
      maybe(async () => {
        const client = access.etcd(2000);
        try {
          return await readScope(client, prefix);
        } finally {
          client.close();
        }
      }),
    readCluster: () => access.clusterReader(1500).read(),
    patroniAnswers: async (url) => {
      const name = nameOfApi.get(url);
      if (!name) return false;
      try {
        await access.patroni(name, 1500).health('/patroni');
        return true;
      } catch {
        return false;
      }
    },
    haproxyServers: async () => ({ ok: false, error: 'the hosts target has no local admin socket' }),
    poolers: () => hostsPoolers(spec),
    poolerAuth: async () =>
      hostsPoolerHosts(spec).length === 0
        ? null
        : maybe(() => readPoolerAuth((database, fn) => access.withPg(access.primaryEndpoint, fn, database))),
    kernelRoute: async () => null,
    // Prometheus on the monitoring host, read from here as `status` reads it.
    firingAlerts: async () => {
      if (!spec.monitoring.enabled) return null;
      const url = prometheusUrl(spec);
      return { url, read: await readFiringAlerts(url, 5000) };
    },
    pgProbe: async (at) => {
      try {
        return { ok: true, value: await inRecovery(access, typeof at === 'number' ? access.primaryEndpoint : at) };
      } catch (err) {
        const e = err as { code?: string; message: string };
        return { ok: false, error: { ...(e.code ? { code: e.code } : {}), message: e.message } };
      }
    },
    pgAcceptsPlaintext: (at) => acceptsPlaintext(access.spec, access.secrets, at),
    pgArchiver: () => maybe(() => access.withPg(access.primaryEndpoint, readArchiver)),
    portFree: async () => true,
    // The dashboard is local only; the hosts' own processes are read by the survey, not from here.
    listeners: () => [],
    processRunning: (id) => {
      const m = /^patroni-(.+)$/.exec(id);
      // A node is named after its host on this target.
      return m ? stateOf(m[1]!, SERVICE_NAMES.patroni) === 'running' : false;
    },
    binaryProblems: () => ({ problems: [], hint: '' }),
    optionalTools: () => [],
    docker: () => undefined,
  };
}

export function hostsFacts(o: HostsDoctorOptions): HostsFacts {
  const { spec } = o.access;
  return {
    maxClockSkewMs: o.maxClockSkewMs,
    hosts: o.survey.map((s) => ({
      name: s.host.name,
      address: s.host.address,
      ...(s.error !== undefined ? { error: s.error } : {}),
      services: s.expected.map((name) => ({ name, state: s.states?.get(name)?.state ?? 'missing' })),
      clockOffsetMs: s.facts?.clockOffsetMs ?? Number.NaN,
      clockUncertaintyMs: s.facts?.clockUncertaintyMs ?? Number.NaN,
    })),
    haproxyServers: (host) =>
      maybe(async () => {
        const h = spec.hosts!.find((x) => x.name === host)!;
        const csv = await getJson<string>(`http://${h.address}:${spec.haproxy.statsPort}/stats;csv`, {
          timeoutMs: 2000,
          auth: `${STATS_USER}:${o.haproxyStatsPassword}`,
          raw: true,
        });
        return parseStatsCsv(csv);
      }),
    primaryPortProbe: (host) =>
      maybe(async () => {
        const h = spec.hosts!.find((x) => x.name === host)!;
        return inRecovery(o.access, { host: h.address, port: spec.haproxy.primaryPort });
      }),
  };
}

/** Everything doctor needs on the hosts target: one SSH survey of the hosts, then the network. */
export async function hostsDoctorParts(
  spec: Spec,
  o: { specDir: string; agentSocket?: string; local: LiveEnvOptions },
): Promise<{ env: DoctorEnv; hosts: HostsFacts }> {
  const access = hostsAccess(spec);
  const stateDir = spec.local.stateDir;
  const pki = hostsPkiAt(hostsPkiDir(stateDir));
  const survey = await surveyHosts(spec, { specDir: o.specDir, stateDir, agentSocket: o.agentSocket });
  const parts: HostsDoctorOptions = {
    access,
    etcdTls: { caFile: pki.caFile, ...pki.operator },
    haproxyStatsPassword: loadOrCreateHostsSecrets(hostsSecretsFile(stateDir)).secrets.haproxyStatsPassword,
    survey,
    local: o.local,
    maxClockSkewMs: MAX_CLOCK_SKEW_MS,
  };
  return { env: hostsDoctorEnv(parts), hosts: hostsFacts(parts) };
}
