// The router's part in a switchover it did not start (patronictl, Patroni's REST API): when Patroni's
// failover key asks for one, pause PgBouncer (bounded), and resume once PgBouncer is routed to the new
// leader, once the request is dropped with the leader unchanged, or at the hold limit; never left paused.
import { PoolerAdminError, type PauseOutcome, type PoolerControl } from '../pooler/index.js';
import type { FailoverRequest } from './failover-request.js';
import type { RouterMetrics } from './metrics.js';
import type { DecisionLog, LeaderConfirmer } from './types.js';

export interface SwitchoverPauseOptions {
  control: PoolerControl;
  /** How long PAUSE may wait for in-flight transactions (pooler.pauseTimeoutMs). */
  pauseTimeoutMs: number;
  /** The longest a pause is held waiting for the new leader before clients are let go anyway. */
  holdLimitMs: number;
  /** How early a scheduled switchover is paused for, before its time. */
  scheduledLeadMs?: number;
  log: DecisionLog;
  metrics: Pick<RouterMetrics, 'poolerPaused' | 'poolerPauses' | 'poolerPauseSeconds'>;
  /** The router's view: where it routes now, and whom the leader key names. */
  routedTo(): string | null;
  leader(): string | null;
  confirm: LeaderConfirmer;
  /**
   * Whether the member takes writes (out of recovery): Patroni answers /primary, and so gets routed,
   * while its promotion is still finishing, and a write released then would meet a read-only server.
   */
  writable(member: string): Promise<boolean>;
}

interface Hold {
  /** The member PgBouncer was routed to when the pause began. */
  from: string | null;
  since: number;
  timer: NodeJS.Timeout;
}

/** A PAUSE sent and not answered yet. */
interface PendingPause {
  from: string | null;
  cancel: AbortController;
  /** The new leader that took writes first, when the pause was called off for it. */
  cancelledFor?: string;
}

const ALREADY_PAUSED = /already suspended\/paused/;

export class SwitchoverPause {
  private hold: Hold | undefined;
  private pending: PendingPause | undefined;
  private chain: Promise<void> = Promise.resolve();
  private scheduled: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: SwitchoverPauseOptions) {}

  /** Since when the router holds PgBouncer paused (ISO time), or null. */
  get pausedSince(): string | null {
    return this.hold ? new Date(Date.now() - (performance.now() - this.hold.since)).toISOString() : null;
  }

  /** A new value of the failover key: null when Patroni cleared it (done or refused). */
  request(req: FailoverRequest | null): void {
    clearTimeout(this.scheduled);
    this.scheduled = undefined;
    if (!req) {
      this.enqueue(() => this.resumeIfRefused());
      return;
    }
    const wait = req.scheduledAt ? req.scheduledAt.getTime() - Date.now() - (this.o.scheduledLeadMs ?? 500) : 0;
    if (wait > 0) {
      this.o.log.decision(
        `switchover to ${req.member ?? 'any replica'} scheduled at ${req.scheduledAt!.toISOString()}: PgBouncer will be paused just before it`,
      );
      this.scheduled = setTimeout(() => this.enqueue(() => this.pause(req)), wait);
      return;
    }
    this.enqueue(() => this.pause(req));
  }

  /** The router applied a route (or found one in place). */
  routed(member: string | null): void {
    // Patroni does not wait for our PAUSE: once the new leader takes writes, a PAUSE still waiting for
    // in-flight transactions (on the old leader) only holds clients, so it is called off.
    const pending = this.pending;
    if (pending && member !== null && member !== pending.from) void this.cancelOnceWritable(pending, member);
    this.enqueue(async () => {
      if (this.hold && member !== null && member !== this.hold.from) await this.resumeOnceWritable(member);
    });
  }

  /** Resumes a pause still held; after this, no pause is taken. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.scheduled);
    this.enqueue(() => this.resume('the router is stopping'));
    await this.chain;
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(step).catch((err: Error) => this.o.log.warn(`pooler pause: ${err.message}`));
  }

  private async pause(req: FailoverRequest): Promise<void> {
    if (this.stopped || this.hold) return;
    const from = this.o.routedTo();
    if (req.leader && from && req.leader !== from) {
      this.o.log.warn(
        `switchover request names ${req.leader} as leader, but PgBouncer routes to ${from}: not pausing (Patroni refuses it)`,
      );
      return;
    }
    const started = performance.now();
    let outcome: PauseOutcome;
    const pending: PendingPause = { from, cancel: new AbortController() };
    this.pending = pending;
    try {
      outcome = await this.o.control.pause(this.o.pauseTimeoutMs, pending.cancel.signal);
    } catch (err) {
      if (err instanceof PoolerAdminError && ALREADY_PAUSED.test(err.message)) {
        // `gardenos switchover` pauses before it asks Patroni, and resumes by itself.
        this.o.metrics.poolerPauses.inc({ outcome: 'held-elsewhere' });
        this.o.log.decision(
          'switchover requested: PgBouncer is already paused by whoever asked for it (gardenos switchover)',
        );
        return;
      }
      this.o.metrics.poolerPauses.inc({ outcome: 'failed' });
      throw new Error(
        `could not pause PgBouncer for the switchover, clients may see errors: ${(err as Error).message}`,
      );
    } finally {
      this.pending = undefined;
    }
    this.o.metrics.poolerPauses.inc({ outcome });
    const ms = Math.round(performance.now() - started);
    if (outcome === 'cancelled') {
      this.o.log.decision(
        `switchover requested: ${pending.cancelledFor} took writes before PAUSE finished (in-flight transactions still open after ${ms} ms), so the pause was called off and clients go on to it`,
      );
      return;
    }
    if (outcome === 'timed-out') {
      this.o.log.warn(
        `switchover requested: in-flight transactions did not finish within ${this.o.pauseTimeoutMs} ms, so PgBouncer was resumed and the switchover goes ahead without the pause`,
      );
      return;
    }
    const timer = setTimeout(
      () => this.enqueue(() => this.resume(`the hold limit (${this.o.holdLimitMs} ms) passed without a new leader`)),
      this.o.holdLimitMs,
    );
    this.hold = { from, since: started, timer };
    this.o.metrics.poolerPaused.set(1);
    this.o.log.decision(
      `switchover to ${req.member ?? 'any replica'} requested in the DCS: PgBouncer paused (in-flight transactions done after ${ms} ms)`,
      { from, pauseMs: ms },
    );
    // The route may have moved while PAUSE waited for in-flight transactions.
    const now = this.o.routedTo();
    if (now !== null && now !== from) await this.resumeOnceWritable(now);
  }

  private async cancelOnceWritable(pending: PendingPause, member: string): Promise<void> {
    while (this.pending === pending && this.o.routedTo() === member) {
      if (await this.o.writable(member).catch(() => false)) {
        pending.cancelledFor = member;
        pending.cancel.abort();
        return;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Waits (within the hold limit) until the new leader is out of recovery, then resumes. */
  private async resumeOnceWritable(member: string): Promise<void> {
    const hold = this.hold;
    if (!hold) return;
    const deadline = hold.since + this.o.holdLimitMs;
    while (!(await this.o.writable(member).catch(() => false))) {
      if (performance.now() >= deadline || this.o.routedTo() !== member) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    // Routed elsewhere meanwhile: that route's own event decides.
    if (this.o.routedTo() !== member && this.o.routedTo() !== null) return;
    await this.resume(`PgBouncer routes to the new leader ${member}`);
  }

  /** The key was cleared: resume if the switchover did not happen (same leader, still the primary). */
  private async resumeIfRefused(): Promise<void> {
    const hold = this.hold;
    if (!hold || hold.from === null) return;
    if (
      this.o.leader() === hold.from &&
      this.o.routedTo() === hold.from &&
      (await this.o.confirm(hold.from).catch(() => false))
    ) {
      await this.resume(`the switchover request was dropped and ${hold.from} is still the primary`);
    }
  }

  private async resume(why: string): Promise<void> {
    const hold = this.hold;
    if (!hold) return;
    let last: Error | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.o.control.resume();
        last = undefined;
        break;
      } catch (err) {
        last = err as Error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    if (last) {
      // Keep the hold: the next event (or the hold limit, re-armed) tries again.
      clearTimeout(hold.timer);
      hold.timer = setTimeout(() => this.enqueue(() => this.resume(why)), 1000);
      throw new Error(`could not resume PgBouncer (${why}): ${last.message}; trying again`);
    }
    clearTimeout(hold.timer);
    this.hold = undefined;
    const heldS = (performance.now() - hold.since) / 1000;
    this.o.metrics.poolerPaused.set(0);
    this.o.metrics.poolerPauseSeconds.observe(heldS);
    this.o.log.decision(`PgBouncer resumed after ${heldS.toFixed(2)} s: ${why}`, { heldMs: Math.round(heldS * 1000) });
  }
}
