// Helpers the benchmarks share: the median of a sample, and a gardenos command that must succeed.
import { cli } from '../test/e2e/harness.js';

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Runs gardenos; its stdout, or an error with its stderr when it exits non-zero. */
export async function must(args: string[]): Promise<string> {
  const r = await cli(args);
  if (r.code !== 0) throw new Error(`gardenos ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}
