// The fault names verify knows, their default order, and parsing of --faults and --rounds (pure).
import { GardenError } from '../../errors.js';

/** Default order: the gentlest first, so an early failure points at the simplest cause; the most destructive last. */
export const FAULTS = [
  'switchover',
  'replica-kill',
  'router-kill',
  'haproxy-kill',
  'etcd-leader-kill',
  'leader-kill',
  'etcd-quorum-loss',
  // Last: on Patroni 3.0.2 a resumed leader can take its lock back (split brain) and leave a replica diverged.
  'leader-freeze',
] as const;

export type FaultName = (typeof FAULTS)[number];

export function isFaultName(s: string): s is FaultName {
  return (FAULTS as readonly string[]).includes(s);
}

/** "a,b" -> the listed faults in the given order; undefined -> all of them. Unknown names are a usage error. */
export function parseFaults(text: string | undefined): FaultName[] {
  if (text === undefined) return [...FAULTS];
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const unknown = names.filter((n) => !isFaultName(n));
  if (unknown.length > 0 || names.length === 0) {
    throw new GardenError(
      'USAGE',
      names.length === 0
        ? '--faults needs at least one fault name.'
        : `Unknown fault${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}.`,
      {
        hint: `valid faults: ${FAULTS.join(', ')}`,
      },
    );
  }
  return [...new Set(names)] as FaultName[];
}

export function parseRounds(text: string | undefined): number {
  if (text === undefined) return 1;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n < 1 || n > 1000) {
    throw new GardenError('USAGE', `--rounds must be a whole number from 1 to 1000, got "${text}".`, {
      hint: 'for example --rounds 3',
    });
  }
  return n;
}

/** Every round of every fault, in order: N rounds of the first fault, then N of the next. */
export function planRounds(faults: FaultName[], rounds: number): FaultName[] {
  return faults.flatMap((f) => Array.from({ length: rounds }, () => f));
}
