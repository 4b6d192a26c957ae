// The router's narrow interfaces: where the leader comes from, and where routes are applied.

/** What a leader source saw: the Patroni leader (null when the key is absent) at an etcd revision. */
export interface LeaderObservation {
  leader: string | null;
  /** etcd revision of the observation (mod revision of the event, or header revision of a read). */
  revision: string;
  /** performance.now() when the change reached us, for the event -> route latency histogram. */
  observedAt: number;
  /** Why we looked, in words for the decision log ("leader key changed", "reconcile timer", ...). */
  cause: string;
  /** True for a change event (watch or poll); only these feed the event -> route latency histogram. */
  event?: boolean;
}

export interface LeaderSource {
  /** A fresh read with a timeout. */
  read(): Promise<LeaderObservation>;
  /** Starts watching; every change is passed to onChange. Errors are reported and healed inside. */
  start(onChange: (o: LeaderObservation) => void, onWatchError: (err: Error) => void): Promise<void>;
  stop(): Promise<void>;
}

/** The routing of the primary endpoint: which member receives writes (null: nobody). */
export interface PrimaryRoute {
  primary: string | null;
}

export interface ActualRoutes {
  /** Members the target allows writes to (HAProxy admin state ready / pod labelled primary). */
  ready: string[];
  /** Members writes can reach right now: ready and, where the target checks health, healthy. */
  routable: string[];
  /** Every member the target knows. */
  members: string[];
}

export interface RouteTarget {
  readonly name: string;
  actual(): Promise<ActualRoutes>;
  /** Make `wanted` true: first un-route everyone else (cutting their sessions), then route the primary. */
  apply(wanted: PrimaryRoute): Promise<void>;
}

/** Asks the leader itself whether it really is the writable primary (Patroni GET /primary == 200). */
export type LeaderConfirmer = (member: string) => Promise<boolean>;

export interface DecisionLog {
  decision(sentence: string, fields?: Record<string, unknown>): void;
  warn(sentence: string, fields?: Record<string, unknown>): void;
}
