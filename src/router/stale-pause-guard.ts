// A pause nobody will end: a `gardenos switchover` killed between its PAUSE and its RESUME, say. Every
// pause gardenos takes ends by itself (the CLI's and the router's are bounded), so clients still
// waiting past the limit with no switchover under way mean one was left behind: the router resumes
// PgBouncer, logs it and counts it. A full pool also makes clients wait; RESUME then finds nothing
// paused and changes nothing.
import type { Counter } from 'prom-client';
import type { PoolerStatus } from '../ops/pooler-status.js';
import type { DecisionLog } from './types.js';

export interface StalePauseGuardOptions {
  /** PgBouncer's state (the router's cached reader of SHOW POOLS). */
  status(): Promise<PoolerStatus>;
  /** RESUME; true when there was a pause to end. */
  resumeIfPaused(): Promise<boolean>;
  /** A switchover is under way: Patroni's failover key is set, or the router holds a pause itself. */
  switchoverUnderWay(): boolean;
  /** How long clients may wait (PgBouncer's maxwait, seconds) before a pause counts as left behind. */
  limitS: number;
  intervalMs: number;
  log: DecisionLog;
  resumed: Pick<Counter, 'inc'>;
}

export class StalePauseGuard {
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<boolean> | undefined;

  constructor(private readonly o: StalePauseGuardOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.o.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
  }

  /** One look; true when it ended a pause. Never two looks at once. */
  check(): Promise<boolean> {
    this.checking ??= this.look().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async look(): Promise<boolean> {
    try {
      if (this.o.switchoverUnderWay()) return false;
      const s = await this.o.status();
      if (!s.reachable || s.clientsWaiting === 0 || s.longestWaitS < this.o.limitS) return false;
      // Asked again after the read: a switchover may have begun meanwhile.
      if (this.o.switchoverUnderWay()) return false;
      if (!(await this.o.resumeIfPaused())) return false;
      this.o.resumed.inc();
      this.o.log.warn(
        `PgBouncer was paused with ${s.clientsWaiting} clients waiting up to ${s.longestWaitS} s and no switchover under way (a pause left behind, e.g. by a gardenos switchover that was killed): resumed it`,
      );
      return true;
    } catch (err) {
      this.o.log.warn(`checking PgBouncer for a pause left behind failed: ${(err as Error).message}`);
      return false;
    }
  }
}
