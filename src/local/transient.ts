// Retries an idempotent step on the primary while the primary port is still settling: HAProxy just
// (re)started, the router re-applying its routes, a leader still promoting. Up's probes saw the
// primary writable a moment before; a connection refused or dropped right after is the same state
// arriving late, not a failure to report. Anything else (a refusal, a bad spec) ends the step at once.
import { GardenError } from '../errors.js';

/** SQLSTATEs of a server that is not (yet, or no longer) the writable primary. */
const NOT_PRIMARY_YET = new Set([
  '25006', // read_only_sql_transaction: routed to a server still (or again) in recovery
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, or shutting down
]);

/** Connection-level failures: no SQLSTATE (refused, reset, terminated, timed out) or a 08xxx one. */
export function isTransientPrimaryError(err: unknown): boolean {
  if (err instanceof GardenError || !(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return true; // pg: "Connection terminated unexpectedly", a query timeout
  if (/^[0-9A-Z]{5}$/.test(code)) return code.startsWith('08') || NOT_PRIMARY_YET.has(code);
  return true; // a Node system error: ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT
}

/** Runs `step` until it succeeds, a non-transient error, or `withinMs` (then its last error). */
export async function retryOnThePrimary<T>(step: () => Promise<T>, withinMs = 30_000, pauseMs = 250): Promise<T> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    try {
      return await step();
    } catch (err) {
      if (!isTransientPrimaryError(err) || performance.now() + pauseMs >= deadline) throw err;
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }
}
