// The primary router: wanted routes from the leader source, actual routes from the target, act only on a difference.
import type { RouterMetrics } from './metrics.js';
import type {
  ActualRoutes,
  DecisionLog,
  LeaderConfirmer,
  LeaderObservation,
  LeaderSource,
  RouteTarget,
} from './types.js';

export interface RouterOptions {
  source: LeaderSource;
  target: RouteTarget;
  confirm: LeaderConfirmer;
  log: DecisionLog;
  metrics: RouterMetrics;
  /** Re-read the leader and compare states this often, so a missed event heals itself. */
  reconcileIntervalMs: number;
  /** How long to keep asking a new leader for /primary before giving up until the next event. */
  confirmTimeoutMs?: number;
  /** Told each time the target is found or made routed to a member (the pooler pause resumes on it). */
  onRouted?: (member: string) => void;
}

export interface RouterView {
  leader: string | null;
  revision: string | null;
  routedTo: string | null;
  lastDecision: string | null;
  lastDecisionAt: string | null;
  watchErrors: number;
  target: string;
  /** Since when the router holds PgBouncer paused for a switchover requested in the DCS. */
  poolerPausedSince?: string | null;
}

const round1 = (ms: number) => Math.round(ms * 10) / 10;

function sameRoute(actual: ActualRoutes, member: string): boolean {
  return actual.ready.length === 1 && actual.ready[0] === member && actual.routable.includes(member);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RETRY_MS = [200, 200, 500, 1000, 2000];

export class Router {
  private latest: LeaderObservation | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Failed reconciles in a row, for the retry interval. */
  private failures = 0;
  private confirming: { leader: string; deadline: number } | undefined;
  readonly view: RouterView;

  constructor(private readonly o: RouterOptions) {
    this.view = {
      leader: null,
      revision: null,
      routedTo: null,
      lastDecision: null,
      lastDecisionAt: null,
      watchErrors: 0,
      target: o.target.name,
    };
  }

  async start(): Promise<void> {
    await this.o.source.start(
      (obs) => this.observe(obs),
      (err) => {
        this.view.watchErrors++;
        this.o.metrics.watchErrors.inc();
        this.o.log.warn(`watch on the leader key failed, rebuilding from a fresh read: ${err.message}`);
      },
    );
    this.timer = setInterval(() => void this.onTimer(), this.o.reconcileIntervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.o.source.stop();
    await this.running;
  }

  private async onTimer(): Promise<void> {
    try {
      const obs = await this.o.source.read();
      this.observe({ ...obs, cause: 'reconcile timer' });
    } catch (err) {
      // etcd unreachable: keep the current routes. No leader can change without the DCS, and
      // HAProxy's own Patroni checks still take a demoted primary out of rotation.
      this.o.log.warn(`cannot read the leader key, keeping current routes: ${(err as Error).message}`);
    }
  }

  /** Newest observation wins; reconciles run one at a time and re-run if something arrived meanwhile. */
  observe(obs: LeaderObservation): void {
    if (this.latest && obs.cause === 'reconcile timer' && BigInt(obs.revision) < BigInt(this.latest.revision)) return;
    this.latest = obs;
    // A confirm deadline runs while one leader keeps the key; anyone else (or nobody) holding it resets it.
    if (this.confirming && this.confirming.leader !== obs.leader) this.confirming = undefined;
    this.view.leader = obs.leader;
    this.view.revision = obs.revision;
    this.o.metrics.setLeader(obs.leader);
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  /** Resolves once no reconcile is pending (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const obs = this.latest!;
      try {
        await this.reconcile(obs);
        this.failures = 0;
      } catch (err) {
        // A target that stays down (PgBouncer stopped) is retried at a growing interval, not 5 times a second.
        const waitMs = RETRY_MS[Math.min(this.failures++, RETRY_MS.length - 1)]!;
        this.o.log.warn(
          `could not apply routes for revision ${obs.revision}: ${(err as Error).message}; retrying in ${waitMs} ms`,
        );
        await sleep(waitMs);
        if (!this.again && !this.stopped) this.again = true;
      }
    } while (this.again && !this.stopped);
  }

  private async reconcile(obs: LeaderObservation): Promise<void> {
    // A key naming someone we do not route to is a leader change: ask it for /primary at once, while
    // the target's state is being read, so the HTTP wait and the socket round trip overlap.
    const confirmStart = performance.now();
    const abandon = { now: false };
    const early = obs.leader !== null && obs.leader !== this.view.routedTo ? this.confirmed(obs, abandon) : undefined;
    let before: ActualRoutes;
    try {
      before = await this.o.target.actual();
    } catch (err) {
      abandon.now = true;
      throw err;
    }
    // Already routed to the key's leader and healthy there: nothing to confirm (the target's own
    // checks keep verifying it), so a slow Patroni API can never make us unroute a good leader.
    if (obs.leader && sameRoute(before, obs.leader)) {
      abandon.now = true;
      this.confirming = undefined;
      this.view.routedTo = obs.leader;
      this.o.onRouted?.(obs.leader);
      return;
    }
    const wanted = obs.leader && (await (early ?? this.confirmed(obs, abandon))) ? obs.leader : null;
    const confirmMs = performance.now() - confirmStart;
    if (!this.isCurrent(obs)) return; // a newer observation arrived while confirming
    // `before` is still the target's state: only routers change it, and apply() works from the wanted state anyway.
    this.view.routedTo = wanted;
    if (wanted ? sameRoute(before, wanted) : before.ready.length === 0) {
      if (wanted) this.o.onRouted?.(wanted);
      return;
    }
    await this.o.target.apply({ primary: wanted });
    if (wanted) this.o.onRouted?.(wanted);
    const latencyMs = performance.now() - obs.observedAt;
    this.o.metrics.routeChanges.inc({ target: this.o.target.name });
    if (obs.event) this.o.metrics.leaderToRoute.observe(latencyMs / 1000);
    const sentence = wanted
      ? `routed primary to ${wanted}: ${obs.cause} at revision ${obs.revision}`
      : `unrouted primary: ${obs.leader ? `${obs.leader} does not confirm /primary yet` : obs.cause} at revision ${obs.revision}`;
    this.view.lastDecision = sentence;
    this.view.lastDecisionAt = new Date().toISOString();
    this.o.log.decision(sentence, {
      leader: obs.leader,
      wanted,
      revision: obs.revision,
      latencyMs: round1(latencyMs),
      confirmMs: round1(confirmMs),
      previous: before.ready,
    });
  }

  /** The leader key alone is not enough: the member must answer /primary with 200 before it gets writes. */
  private async confirmed(obs: LeaderObservation, abandon: { now: boolean }): Promise<boolean> {
    // The deadline belongs to the leader, not to the observation: the reconcile timer and Patroni's
    // leader-key refreshes bring new observations of the same leader more often than the timeout, and
    // restarting the wait on each would keep the old primary routed for as long as the new one is silent.
    // Past the deadline we still ask once per observation, so a leader that confirms late gets routed.
    if (this.confirming?.leader !== obs.leader) {
      this.confirming = { leader: obs.leader!, deadline: performance.now() + (this.o.confirmTimeoutMs ?? 10_000) };
    }
    const { deadline } = this.confirming;
    const started = performance.now();
    do {
      if (abandon.now) return false;
      if (await this.o.confirm(obs.leader!).catch(() => false)) {
        this.confirming = undefined;
        return true;
      }
      if (performance.now() >= deadline) break;
      // Patroni 3.0 answers 200 once it holds the key, so a refusal mostly means our request came
      // first (or Patroni is still promoting): ask again after 2 ms at first, then every 50 ms, so a
      // leader that is dead (its key not yet expired) does not cost a request per 2 ms.
      await sleep(performance.now() - started < 500 ? 2 : 50);
    } while (this.isCurrent(obs) && !this.stopped && !abandon.now);
    return false;
  }

  /**
   * Whether obs still says what the newest observation says. The reconcile timer re-reads the key while a
   * confirm is in flight; its reading of the same revision is the same fact, so it must neither cut the
   * wait short nor throw away the result (the decision then keeps the cause that started it).
   */
  private isCurrent(obs: LeaderObservation): boolean {
    return this.latest === obs || (this.latest?.revision === obs.revision && this.latest.leader === obs.leader);
  }
}
