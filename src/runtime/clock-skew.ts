// How far clocks read over a network disagree, at the least: each reading carries half its round trip
// as uncertainty, so a slow answer (a busy host, a slow link) widens it instead of looking like skew.

export interface ClockReading {
  /** The other clock minus ours, at the middle of the round trip. */
  readonly clockOffsetMs: number;
  /** Half the round trip: the true offset lies within clockOffsetMs ± this. */
  readonly clockUncertaintyMs: number;
}

/** The smallest disagreement between any two clocks that the readings allow (0 when they may agree). */
export function leastClockSkew(clocks: readonly ClockReading[]): number {
  let least = 0;
  for (const a of clocks)
    for (const b of clocks)
      least = Math.max(least, a.clockOffsetMs - b.clockOffsetMs - a.clockUncertaintyMs - b.clockUncertaintyMs);
  return least;
}

/** `h1 +12 ms (±3), h2 -4 ms (±2)`: each clock against this machine's. */
export function clockList(clocks: readonly (ClockReading & { label: string })[]): string {
  return clocks
    .map(
      (c) =>
        `${c.label} ${c.clockOffsetMs >= 0 ? '+' : ''}${Math.round(c.clockOffsetMs)} ms (±${Math.ceil(c.clockUncertaintyMs)})`,
    )
    .join(', ');
}
