// The pooler's part in a planned switchover: PAUSE (bounded), let the leader change, wait until the
// pooler routes to the new leader, RESUME. Whatever fails in between, the pooler is resumed.
import { PoolerAdminError, type PoolerAdmin } from './admin-console.js';
import { ROUTE_PROBE_DATABASE } from '../render/pgbouncer.js';
import { memberOfRow, type PoolerMember } from './routes.js';

export type PauseOutcome = 'paused' | 'timed-out' | 'cancelled';

/** What a planned leader change needs of the pooler on its target. */
export interface PoolerControl {
  /**
   * PAUSE: new transactions queue, and the pooler waits until every server connection is released
   * (then closes them). 'timed-out' after timeoutMs, or 'cancelled' once `cancel` is aborted, with the
   * unfinished pause called off again (RESUME) either way.
   */
  pause(timeoutMs: number, cancel?: AbortSignal): Promise<PauseOutcome>;
  resume(): Promise<void>;
  /** The member the pooler's loaded route names (null: none); from the route probe database. */
  routedTo(): Promise<string | null>;
}

export class PgbouncerControl implements PoolerControl {
  constructor(
    private readonly admin: PoolerAdmin,
    private readonly members: readonly PoolerMember[],
  ) {}

  async pause(timeoutMs: number, cancel?: AbortSignal): Promise<PauseOutcome> {
    // PAUSE answers only once every server connection is released: the bound is ours.
    const pausing = this.admin.run('PAUSE', timeoutMs + 60_000).then(() => 'paused' as const);
    let timer: NodeJS.Timeout | undefined;
    let onCancel: (() => void) | undefined;
    const late = new Promise<'timed-out'>((r) => (timer = setTimeout(() => r('timed-out'), timeoutMs)));
    const cancelled = new Promise<'cancelled'>((r) => {
      onCancel = () => r('cancelled');
      if (cancel?.aborted) onCancel();
      else cancel?.addEventListener('abort', onCancel, { once: true });
    });
    try {
      const outcome = await Promise.race([pausing, late, cancelled]);
      if (outcome !== 'paused') {
        pausing.catch(() => undefined);
        // A PAUSE that did not finish keeps PgBouncer pausing: call it off, so clients are not held.
        await this.resume();
      }
      return outcome;
    } finally {
      clearTimeout(timer);
      if (onCancel) cancel?.removeEventListener('abort', onCancel);
    }
  }

  /** RESUME; a pooler that is not paused is already where we want it. */
  async resume(): Promise<void> {
    await this.resumeIfPaused();
  }

  /** RESUME, saying whether there was a pause to end (false: not paused, left as it was). */
  async resumeIfPaused(): Promise<boolean> {
    try {
      await this.admin.run('RESUME');
      return true;
    } catch (err) {
      // PgBouncer 1.18 has no SHOW for a global pause, and answers a RESUME with nothing to resume
      // by this error (admin.c), the only way to tell it from a failure.
      if (err instanceof PoolerAdminError && /pooler is not paused\/suspended/.test(err.message)) return false;
      throw err;
    }
  }

  async routedTo(): Promise<string | null> {
    const rows = await this.admin.show('DATABASES');
    const probe = rows.find((r) => r.name === ROUTE_PROBE_DATABASE);
    return (probe && memberOfRow(probe, this.members)) ?? null;
  }
}

/**
 * Runs `change` with the pooler paused, and resumes whatever happens. A pause that times out is
 * reported (the change then goes ahead as without a pooler: in-flight transactions may fail).
 */
export async function withPoolerPaused<T>(
  pooler: PoolerControl,
  timeoutMs: number,
  change: (paused: 'paused' | 'timed-out') => Promise<T>,
  onResumeError: (err: Error) => void,
): Promise<T> {
  // Without a cancel signal the outcome is one of these two.
  const paused = (await pooler.pause(timeoutMs)) === 'paused' ? 'paused' : 'timed-out';
  try {
    return await change(paused);
  } finally {
    // Never left paused: a client queued behind a pause waits until query_wait_timeout otherwise.
    let last: Error | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await pooler.resume();
        last = undefined;
        break;
      } catch (err) {
        last = err as Error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    if (last) onResumeError(last);
  }
}
