// Waiting for a state, never for a time: a probe says what is still missing until nothing is.
import { GardenError } from '../errors.js';

/** undefined = ready; otherwise a sentence saying what is missing. */
export type Probe = () => Promise<string | undefined>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil(
  probe: Probe,
  opts: { timeoutMs: number; intervalMs?: number; what: string; hint: string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: string | undefined = 'not checked yet';
  while (Date.now() < deadline) {
    try {
      last = await probe();
    } catch (err) {
      // A GardenError is a verdict (a process died), not a "not yet": stop waiting.
      if (err instanceof GardenError) throw err;
      last = (err as Error).message;
    }
    if (last === undefined) return;
    await sleep(opts.intervalMs ?? 200);
  }
  throw new GardenError(
    'TIMEOUT',
    `Timed out after ${Math.round(opts.timeoutMs / 1000)} s waiting for ${opts.what}: ${last}.`,
    { hint: opts.hint },
  );
}
