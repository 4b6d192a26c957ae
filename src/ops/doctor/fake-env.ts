// A DoctorEnv made of plain data, for the conformance suite: healthy by default, each fault one override away.
import type { PoolerAuthState } from '../../pooler/index.js';
import type { AlertsRead } from '../../monitoring/index.js';
import type { ScopeKey } from '../../dcs/index.js';
import { layoutOf } from '../../local/index.js';
import { GardenError } from '../../errors.js';
import { PatroniClusterReader } from '../../patroni/index.js';
import { patroniApis } from '../../render/index.js';
import { loadSpec } from '../../spec/index.js';
import type { PoolerStatus } from '../pooler-status.js';
import type { KernelRouteStatus } from '../status.js';
import type { ArchiverStat, DoctorContext, DoctorEnv, KubeObject, Maybe } from './types.js';

export const SPEC = loadSpec('nodes: 2\netcd: { members: 1 }\n', {
  source: 'test',
  defaultStateDir: () => '/state/garden',
});
export const BACKUP_SPEC = loadSpec('nodes: 2\netcd: { members: 1 }\nbackup: { enabled: true }\n', {
  source: 'test',
  defaultStateDir: () => '/state/garden',
});
/** A platform created with etcd.scheme http (before https was the default, or asked for). */
export const HTTP_SPEC = loadSpec('nodes: 2\netcd: { members: 1, scheme: http }\n', {
  source: 'test',
  defaultStateDir: () => '/state/garden',
});
export const LAYOUT = layoutOf(SPEC.local.stateDir);
const HOST = '127.0.0.1';

export function patroniYml(section = 'etcd3', protocol = 'https'): string {
  return `scope: garden\n${section}:\n  hosts:\n  - ${HOST}:${SPEC.etcd.members[0]!.clientPort}\n  protocol: ${protocol}\npostgresql: {}\n`;
}

export const HBA = `local all all scram-sha-256\nhostssl replication replicator ${HOST}/32 scram-sha-256\nhostssl all all ${HOST}/32 scram-sha-256\n`;
/** A platform created with postgres.tls off: plain host lines, which its clients rely on. */
export const PLAINTEXT_SPEC = loadSpec('nodes: 2\netcd: { members: 1 }\npostgres: { tls: off }\n', {
  source: 'test',
  defaultStateDir: () => '/state/garden',
});

export interface FakeWorld {
  files: Record<string, string>;
  stats: Record<string, { uid: number; gid: number; mode: number }>;
  etcdTls: boolean;
  etcdHealthy: boolean[];
  scopeKeys: Pick<ScopeKey, 'name' | 'value' | 'lease'>[];
  members: { name: string; role: string; state: string; lag?: number | string }[];
  patroniAnswering: string[];
  haproxy: Maybe<{ backend: string; server: string; status: string }[]>;
  pooler: PoolerStatus | null;
  /** PgBouncer's auth role and function on the primary; an Error: the read fails. */
  poolerAuth: PoolerAuthState | Error;
  kernelRoute: KernelRouteStatus | null;
  /** The firing alerts Prometheus answers with; null: monitoring off. */
  alerts: AlertsRead | null;
  pg: Record<number, { inRecovery: boolean } | { code: string; message: string }>;
  /** Ports whose server lets a plaintext session in. */
  plaintextAccepted: number[];
  takenPorts: number[];
  /** Who listens on a port, as the process table would say. */
  listeners: Record<number, { pid: number; uids: number[] }[]>;
  archiver: Maybe<ArchiverStat>;
  running: string[];
  binaryProblems: string[];
  missingTools: string[];
  docker?: ReturnType<DoctorEnv['docker']>;
  kube?: Maybe<KubeObject[]>;
}

export function healthyWorld(): FakeWorld {
  const [pg1, pg2] = SPEC.nodes;
  return {
    files: {
      [LAYOUT.patroniConfig('pg1')]: patroniYml(),
      [LAYOUT.patroniConfig('pg2')]: patroniYml(),
      [`${LAYOUT.pgDataDir('pg1')}/pg_hba.conf`]: HBA,
      [`${LAYOUT.pgDataDir('pg2')}/pg_hba.conf`]: HBA,
    },
    stats: {
      [LAYOUT.pgDataDir('pg1')]: { uid: 101, gid: 104, mode: 0o40700 },
      [LAYOUT.pgDataDir('pg2')]: { uid: 101, gid: 104, mode: 0o40700 },
    },
    etcdTls: true,
    etcdHealthy: [true],
    scopeKeys: [
      { name: 'initialize', value: '7710780634683790959', lease: '0' },
      { name: 'leader', value: 'pg1', lease: '42' },
    ],
    members: [
      { name: 'pg1', role: 'leader', state: 'running' },
      { name: 'pg2', role: 'replica', state: 'streaming', lag: 0 },
    ],
    patroniAnswering: ['pg1', 'pg2'],
    haproxy: {
      ok: true,
      value: [
        { backend: 'primary', server: 'pg1', status: 'UP' },
        { backend: 'primary', server: 'pg2', status: 'DOWN' },
        { backend: 'replicas', server: 'pg1', status: 'DOWN' },
        { backend: 'replicas', server: 'pg2', status: 'UP' },
      ],
    },
    pooler: {
      port: SPEC.pooler.port,
      mode: 'transaction',
      reachable: true,
      routedTo: 'pg1',
      clientsWaiting: 0,
      longestWaitS: 0,
      serverConnections: [{ member: 'pg1', count: 2 }],
    },
    poolerAuth: { role: 'ok', databasesWithout: [] },
    kernelRoute: null,
    alerts: null,
    pg: {
      [pg1!.pgPort]: { inRecovery: false },
      [pg2!.pgPort]: { inRecovery: true },
      [SPEC.haproxy.primaryPort]: { inRecovery: false },
    },
    plaintextAccepted: [],
    takenPorts: [],
    listeners: {},
    archiver: {
      ok: true,
      value: {
        archived: 12,
        failed: 0,
        lastArchivedWal: '00000001000000000000000C',
        lastArchivedTime: '2026-11-22T00:20:00.000Z',
        lastFailedWal: null,
        lastFailedTime: null,
      },
    },
    running: ['etcd-etcd1', 'patroni-pg1', 'patroni-pg2', 'haproxy'],
    binaryProblems: [],
    missingTools: [],
  };
}

export function fakeEnv(w: FakeWorld): DoctorEnv {
  const nameOfApi = (url: string) => SPEC.nodes.find((n) => url.endsWith(`:${n.apiPort}`))?.name ?? '?';
  return {
    readText: (p) => w.files[p],
    stat: (p) => w.stats[p],
    speaksTls: async () => w.etcdTls,
    etcdStatus: async (urls) =>
      urls.map((u, i) => ({
        ...u,
        healthy: w.etcdHealthy[i] ?? false,
        isLeader: i === 0,
        ...(w.etcdHealthy[i] ? {} : { error: 'connection refused' }),
      })),
    dcsScope: async (prefix) => ({
      ok: true,
      value: {
        prefix,
        revision: 100,
        keys: w.scopeKeys.map((k) => ({ ...k, key: prefix + k.name, createRevision: 1, modRevision: 90, version: 1 })),
      },
    }),
    // The real walk over a fake transport, so doctor sees exactly what the reader makes of it.
    readCluster: () =>
      new PatroniClusterReader(patroniApis(SPEC), 100, async (url) => {
        if (!w.patroniAnswering.includes(nameOfApi(url)))
          throw new GardenError('PATRONI_API', 'ECONNREFUSED', { hint: 'start it' });
        return { members: w.members.map((m) => ({ ...m, host: HOST, port: 1 })) };
      }).read(),
    patroniAnswers: async (url) => w.patroniAnswering.includes(nameOfApi(url)),
    haproxyServers: async () => w.haproxy,
    poolers: async () => (w.pooler ? [w.pooler] : null),
    poolerAuth: async () =>
      !w.pooler
        ? null
        : w.poolerAuth instanceof Error
          ? { ok: false, error: w.poolerAuth.message }
          : { ok: true, value: w.poolerAuth },
    kernelRoute: async () => w.kernelRoute,
    firingAlerts: async () => (w.alerts ? { url: 'http://127.0.0.1:15406', read: w.alerts } : null),
    pgProbe: async (at) => {
      const r = w.pg[typeof at === 'number' ? at : at.port];
      if (!r) return { ok: false, error: { message: 'ECONNREFUSED' } };
      return 'code' in r ? { ok: false, error: r } : { ok: true, value: r };
    },
    pgAcceptsPlaintext: async (at) => w.plaintextAccepted.includes(at.port),
    pgArchiver: async () => w.archiver,
    portFree: async (port) => !w.takenPorts.includes(port),
    listeners: (port) => w.listeners[port] ?? [],
    processRunning: (id) => w.running.includes(id),
    binaryProblems: () => ({ problems: w.binaryProblems, hint: 'sudo apt-get install -y etcd-server' }),
    optionalTools: () =>
      ['pgbackrest', 'pg_dump'].map((name) => ({
        name,
        found: !w.missingTools.includes(name),
        purpose: 'gardenos backup',
        install: `apt-get install ${name}`,
      })),
    docker: () => w.docker,
    kubeObjects: async () => w.kube,
  };
}

export function fakeContext(w: FakeWorld, over: Partial<DoctorContext> = {}): DoctorContext {
  return {
    spec: SPEC,
    layout: LAYOUT,
    heal: '`gardenos up`',
    platformExists: true,
    pgOwner: { name: 'postgres', uid: 101 },
    lagThresholdBytes: 1048576,
    clientCidrs: ['127.0.0.1/32'],
    env: fakeEnv(w),
    ...over,
  };
}
