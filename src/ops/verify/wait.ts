// Waiting for states (never for fixed times) with a deadline and an interrupt, for verify rounds.
import { GardenError } from '../../errors.js';

/** Thrown when SIGINT/SIGTERM asked verify to stop; the round restores what it changed first. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new Interrupted();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` (undefined = reached, else what is still missing) until the deadline; a failed probe is "not yet". */
export async function waitFor(
  what: string,
  probe: () => Promise<string | undefined> | string | undefined,
  o: { timeoutMs: number; intervalMs?: number; signal: AbortSignal },
): Promise<number> {
  const t0 = performance.now();
  let last = 'not checked yet';
  while (performance.now() - t0 < o.timeoutMs) {
    throwIfAborted(o.signal);
    try {
      const r = await probe();
      if (r === undefined) return performance.now() - t0;
      last = r;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(o.intervalMs ?? 100);
  }
  throw new GardenError(
    'TIMEOUT',
    `Timed out after ${Math.round(o.timeoutMs / 1000)} s waiting for ${what}: ${last}.`,
    {
      hint: 'look at `gardenos status` and `gardenos logs`; the platform may still be recovering',
    },
  );
}

/** A fault's own hold time (a freeze longer than ttl): the one fixed wait, still interruptible. */
export async function hold(ms: number, signal: AbortSignal): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    throwIfAborted(signal);
    await sleep(Math.min(100, end - performance.now()));
  }
}
