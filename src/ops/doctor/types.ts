// The shape of doctor: checks are small objects `{ id, layer, run(ctx) }`; the edge to the world is DoctorEnv.
import type { EtcdMemberStatus, ScopeSnapshot } from '../../dcs/index.js';
import type { ServerStat } from '../../haproxy/index.js';
import type { Layout } from '../../local/index.js';
import type { ClusterView } from '../../patroni/index.js';
import type { PgAddress } from '../../render/index.js';
import type { PoolerStatus } from '../pooler-status.js';
import type { PoolerAuthState } from '../../pooler/index.js';
import type { KernelRouteStatus } from '../status.js';
import type { Spec } from '../../spec/index.js';
import type { AlertsRead } from '../../monitoring/index.js';

export const LAYERS = [
  'spec',
  'host',
  'etcd',
  'dcs',
  'patroni',
  'replication',
  'routing',
  'monitoring',
  'kubernetes',
  'docker',
] as const;
export type Layer = (typeof LAYERS)[number];
export type Severity = 'error' | 'warning';

/** What a check saw: the evidence, why it happens, and what to do. */
export interface Problem {
  severity: Severity;
  title: string;
  evidence: string;
  cause: string;
  fix: string;
}

export interface Finding extends Problem {
  id: string;
  layer: Layer;
}

export type CheckResult = Problem[] | { skipped: string };

export interface Check {
  id: string;
  layer: Layer;
  /** One line: what it looks at. */
  title: string;
  run(ctx: DoctorContext): Promise<CheckResult>;
}

/** Error-or-value, so a check can report an unreachable component as evidence instead of throwing. */
export type Maybe<T> = { ok: true; value: T } | { ok: false; error: string };

export interface PgProbe {
  inRecovery: boolean;
}
/** pg_stat_archiver of one server: times are ISO strings or null. */
export interface ArchiverStat {
  archived: number;
  failed: number;
  lastArchivedWal: string | null;
  lastArchivedTime: string | null;
  lastFailedWal: string | null;
  lastFailedTime: string | null;
}
export interface PgProbeError {
  code?: string;
  message: string;
}
export interface FileStat {
  uid: number;
  gid: number;
  mode: number;
}

/** A Kubernetes object as read from a manifest file or `kubectl get -o json`. */
export interface KubeObject {
  apiVersion?: string;
  kind: string;
  metadata: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  data?: Record<string, string>;
  subsets?: unknown[];
  /** Where it came from: a file path, or `live cluster`. */
  source?: string;
}

/** Everything doctor reads from the outside world; the live implementation is live-env.ts, tests pass fakes. */
export interface DoctorEnv {
  readText(path: string): string | undefined;
  stat(path: string): FileStat | undefined;
  /** undefined: nothing listens; true: a TLS handshake succeeded; false: plain TCP only. */
  speaksTls(host: string, port: number): Promise<boolean | undefined>;
  etcdStatus(urls: { name: string; clientURL: string }[]): Promise<EtcdMemberStatus[]>;
  dcsScope(prefix: string): Promise<Maybe<ScopeSnapshot>>;
  /** Patroni's view through the one cluster reader: the first member that answers, and why the others did not. */
  readCluster(): Promise<ClusterView>;
  /** Any HTTP answer from GET /patroni. */
  patroniAnswers(apiUrl: string): Promise<boolean>;
  haproxyServers(socket: string): Promise<Maybe<ServerStat[]>>;
  /** Each PgBouncer's state from its admin console (one per haproxy host across hosts); null when pooler.enabled is off. */
  poolers(): Promise<PoolerStatus[] | null>;
  /** PgBouncer's auth role and lookup function on the primary (read as the superuser); null when pooler.enabled is off. */
  poolerAuth(): Promise<Maybe<PoolerAuthState> | null>;
  /** Where the nftables kernel route sends writes; null when router.kernelRoute is off. */
  kernelRoute(): Promise<KernelRouteStatus | null>;
  /** The firing alerts of the platform's Prometheus; null when monitoring.enabled is off. */
  firingAlerts(): Promise<{ url: string; read: AlertsRead } | null>;
  /**
   * Connects as the superuser as gardenos's clients do (TLS with the platform's CA when postgres.tls
   * is on) and asks pg_is_in_recovery(); a bare port is on the bind address (HAProxy).
   */
  pgProbe(at: number | PgAddress): Promise<{ ok: true; value: PgProbe } | { ok: false; error: PgProbeError }>;
  /** A plaintext session as the superuser: true if it logs in, false if pg_hba refuses it, undefined if no answer. */
  pgAcceptsPlaintext(at: PgAddress): Promise<boolean | undefined>;
  /** pg_stat_archiver on the server behind this port. */
  pgArchiver(port: number): Promise<Maybe<ArchiverStat>>;
  portFree(port: number): Promise<boolean>;
  /** The processes listening on this TCP port, with their uids (real, effective, saved, filesystem). */
  listeners(port: number): { pid: number; uids: number[] }[];
  /** The supervisor's view: is this component's recorded process alive? */
  processRunning(componentId: string): boolean;
  /** Version problems of the programs the platform needs; [] when all are fine. */
  binaryProblems(): { problems: string[]; hint: string };
  optionalTools(): { name: string; found: boolean; purpose: string; install: string }[];
  docker(): DockerFacts | undefined;
  kubeObjects(): Promise<Maybe<KubeObject[]> | undefined>;
}

export interface DockerFacts {
  socketPath: string;
  /** The socket's group id, if it exists. */
  socketGid?: number;
  dockerGid?: number;
  isRoot: boolean;
  /** Users listed in the docker group in /etc/group. */
  groupMembers: string[];
  userName: string;
  /** Group ids of this process (what `id` shows for the current login session). */
  processGroups: number[];
  /** docker0 exists in /sys/class/net; ipv4 lists its IPv4 addresses. */
  docker0?: { ipv4: string[] };
}

/** One host as SSH found it (the hosts target). */
export interface SurveyedHost {
  name: string;
  address: string;
  /** Why the host could not be read over SSH; undefined when it could. */
  error?: string;
  /** gardenos's services that should run there, with the state each is in ('missing' when none is defined). */
  services: { name: string; state: string }[];
  /** The host's clock minus this machine's, NaN when unknown. */
  clockOffsetMs: number;
  /** Half the round trip of that reading: the true offset is within clockOffsetMs ± this. */
  clockUncertaintyMs: number;
}

/** What doctor knows of the hosts target, besides what any client sees over the network. */
export interface HostsFacts {
  hosts: SurveyedHost[];
  maxClockSkewMs: number;
  /** HAProxy's servers on one haproxy host, from its stats page. */
  haproxyServers(host: string): Promise<Maybe<{ backend: string; server: string; status: string }[]>>;
  /** pg_is_in_recovery() through one host's HAProxy primary port, over TLS. */
  primaryPortProbe(host: string): Promise<Maybe<PgProbe>>;
}

export interface DoctorContext {
  spec: Spec;
  layout: Layout;
  /** The command that creates what is missing and restarts what stopped: `gardenos up`, or `gardenos provision`. */
  heal: string;
  /** Set on the hosts target. */
  hosts?: HostsFacts;
  /** False when the state dir holds no platform: checks of running components skip. */
  platformExists: boolean;
  /** Owner PostgreSQL data dirs must have. */
  pgOwner: { name: string; uid: number };
  lagThresholdBytes: number;
  /** Client networks pg_hba must admit: the spec's allowedClientCidrs plus --client-cidr. */
  clientCidrs: string[];
  env: DoctorEnv;
}
