// The narrow interfaces a verify round works through: the platform, a writer, a prober, a fault injector.
import type { EtcdMemberStatus } from '../../dcs/index.js';
import type { ProcessIdentity } from '../../local/index.js';
import type { ClusterView } from '../../patroni/index.js';
import type { Spec } from '../../spec/index.js';
import type { Ack, EndpointSample, NodeSample } from './evaluate.js';
import type { FaultName } from './faults.js';

/** Writes a new id every 10 ms through the primary endpoint and records each acknowledged one. */
export interface RoundWriter {
  start(): void;
  ackedSince(t: number): number;
  stop(): Promise<Ack[]>;
}

/** Asks every node (directly) and the primary endpoint, every 50 ms, who is writable. */
export interface RoundProber {
  start(): void;
  /** Whether every node has answered at least once since start (so the picture is complete). */
  sawEveryNode(): boolean;
  stop(): Promise<{ nodeSamples: NodeSample[]; endpointSamples: EndpointSample[] }>;
}

/** A platform process as verify acts on it: the component id (patroni-pg1), or a postmaster; on hosts, on which host. */
export interface ProcessHandle {
  label: string;
  id: ProcessIdentity;
  host?: string;
}

export interface VerifyEnv {
  spec: Spec;
  signal: AbortSignal;
  /** Everything that is not healthy: processes, etcd, Patroni, HAProxy, router, a write through the primary port, sync standby. */
  problems(): Promise<string[]>;
  /** Whether no process of the platform runs at all. */
  isDown(): Promise<boolean>;
  /** Restarts whatever is missing (the way `gardenos up` does; across hosts, resumes what holdDown froze); returns what it started. */
  heal(): Promise<string[]>;
  /** Patroni's view, asked of the first member that answers, skipping `skip`. */
  cluster(skip?: string): Promise<ClusterView | undefined>;
  etcdMembers(): Promise<EtcdMemberStatus[]>;
  /**
   * The live identity of a component by id: patroni-<node>, etcd-<member>, and haproxy or router (the
   * ones in front of the primary endpoint: on hosts, the first haproxy host's).
   */
  component(id: string): Promise<ProcessHandle | undefined>;
  /** The live postmaster of a node (from postmaster.pid), read now. */
  postmaster(node: string): Promise<ProcessHandle | undefined>;
  childrenOf(h: ProcessHandle): Promise<ProcessHandle[]>;
  /** Signals each process in order (at once, one round trip per host), only if it is still the one its handle names. */
  sendSignal(handles: readonly ProcessHandle[], sig: NodeJS.Signals): Promise<void>;
  isAlive(h: ProcessHandle): Promise<boolean>;
  /**
   * Takes a component out until heal(). On one machine it is stopped (TERM, then KILL after graceMs);
   * on hosts it is frozen (SIGSTOP), since systemd or the supervisor would start a stopped one again.
   */
  holdDown(id: string, graceMs: number): Promise<'stopped' | 'froze'>;
  switchover(): Promise<{ from: string | null; to: string }>;
  /** Which node the primary endpoint reaches for a new session, and whether it takes a write. */
  primaryEndpoint(): Promise<{ node: string | null; writable: boolean }>;
  /** pg_is_in_recovery() of one node, asked directly; null when it does not answer. */
  nodeInRecovery(node: string): Promise<boolean | null>;
  newWriter(run: string): RoundWriter;
  newProber(): RoundProber;
  createTable(): Promise<void>;
  /** Ids of this run present in the table, read on the primary. */
  presentIds(run: string): Promise<Set<number>>;
  dropTable(): Promise<void>;
  /** Closes what the env holds open (SSH connections across hosts). */
  close(): Promise<void>;
}

export interface Injected {
  /** What was hit: "pg1", "etcd2, etcd3", "router". */
  target: string;
  /** A short sentence on what happened during the fault. */
  note: string;
  /** For a freeze: when the frozen node was resumed (to count writes it took after). */
  resumed?: { at: number; node: string };
}

export interface FaultInjector {
  fault: FaultName;
  /**
   * Re-reads the state it acts on (leader, pids) right before acting, injects the fault and holds it
   * until the platform reacted (a new leader writes) or the fault's own hold time is over.
   */
  inject(env: VerifyEnv): Promise<Injected>;
  /** Undoes what inject left behind: SIGCONT what it froze, restarts what it stopped. Safe to call twice or mid-inject. */
  recover(env: VerifyEnv): Promise<void>;
}
