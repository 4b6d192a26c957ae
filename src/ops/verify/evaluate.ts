// Turns what one round recorded (acknowledged writes, probe samples) into its figures and verdict (pure).

/** One acknowledged write: its id, when the ack arrived (ms, monotonic) and which node's server took it. */
export interface Ack {
  id: number;
  at: number;
  node: string | null;
}

/** One look at one node: is it a writable primary (pg_is_in_recovery() false)? null = no answer. */
export interface NodeSample {
  node: string;
  at: number;
  writable: boolean | null;
}

/** One look through the primary endpoint: which node answered and whether it is in recovery; null = no answer. */
export interface EndpointSample {
  at: number;
  node: string | null;
  recovery: boolean | null;
}

export interface RoundRecord {
  startedAt: number;
  endedAt: number;
  acks: Ack[];
  /** Ids of this round found in the table on the primary afterwards. */
  present: Set<number>;
  nodeSamples: NodeSample[];
  endpointSamples: EndpointSample[];
  /** Seconds from injecting the fault to healthy again; null when it did not recover in time. */
  recoverySeconds: number | null;
}

export interface RoundFigures {
  gapMs: number;
  acked: number;
  lost: number;
  lostIds: number[];
  doublePrimaryMs: number;
  noPrimaryMs: number;
  endpointInRecoveryMs: number;
  recoverySeconds: number | null;
  ok: boolean;
}

/**
 * A sample stands for its node until the next sample of that node, but never longer than this: a
 * prober stuck on a frozen node must not keep an old "writable" alive for the whole freeze.
 */
export const SAMPLE_VALID_MS = 1000;

/** Longest time between two consecutive acks, counting from the start and up to the end of the round. */
export function longestGapMs(acks: Ack[], startedAt: number, endedAt: number): number {
  const times = [startedAt, ...acks.map((a) => a.at).sort((a, b) => a - b), endedAt];
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return gap;
}

export function lostIds(acks: Ack[], present: Set<number>): number[] {
  return acks.map((a) => a.id).filter((id) => !present.has(id));
}

/**
 * Milliseconds during which the number of writable nodes satisfied `when` (e.g. n >= 2), sweeping
 * the per-node step functions built from the samples, within [from, to].
 */
export function writableTimeMs(
  samples: NodeSample[],
  nodes: string[],
  from: number,
  to: number,
  when: (n: number) => boolean,
): number {
  const byNode = new Map(nodes.map((n) => [n, samples.filter((s) => s.node === n).sort((a, b) => a.at - b.at)]));
  // Each sample is an interval [at, min(next.at, at + SAMPLE_VALID_MS)) with a state.
  const edges: { at: number; node: string; writable: boolean }[] = [];
  for (const [node, list] of byNode) {
    list.forEach((s, i) => {
      const end = Math.min(list[i + 1]?.at ?? to, s.at + SAMPLE_VALID_MS);
      edges.push({ at: s.at, node, writable: s.writable === true });
      if (end < (list[i + 1]?.at ?? Infinity)) edges.push({ at: end, node, writable: false });
    });
  }
  edges.sort((a, b) => a.at - b.at);
  const state = new Map(nodes.map((n) => [n, false]));
  let total = 0;
  let prev = from;
  for (const e of edges) {
    const at = Math.min(Math.max(e.at, from), to);
    if (at > prev && when(count(state))) total += at - prev;
    prev = Math.max(prev, at);
    state.set(e.node, e.writable);
  }
  if (to > prev && when(count(state))) total += to - prev;
  return total;
}

function count(state: Map<string, boolean>): number {
  let n = 0;
  for (const v of state.values()) if (v) n++;
  return n;
}

/** Time during which the primary endpoint answered from a node in recovery (each sample stands until the next). */
export function endpointInRecoveryMs(samples: EndpointSample[], to: number): number {
  const sorted = [...samples].sort((a, b) => a.at - b.at);
  let total = 0;
  sorted.forEach((s, i) => {
    if (s.recovery !== true) return;
    const end = Math.min(sorted[i + 1]?.at ?? to, s.at + SAMPLE_VALID_MS, to);
    if (end > s.at) total += end - s.at;
  });
  return total;
}

/** When every node had answered once: before that the picture is incomplete, not "no primary". */
export function firstCompleteAt(samples: NodeSample[], nodes: string[], fallback: number): number {
  const firsts = nodes.map((n) => samples.filter((s) => s.node === n).reduce((t, s) => Math.min(t, s.at), Infinity));
  const at = Math.max(...firsts);
  return Number.isFinite(at) ? at : fallback;
}

export function evaluateRound(r: RoundRecord, nodes: string[]): RoundFigures {
  const lost = lostIds(r.acks, r.present);
  const from = firstCompleteAt(r.nodeSamples, nodes, r.startedAt);
  const doublePrimaryMs = Math.round(writableTimeMs(r.nodeSamples, nodes, from, r.endedAt, (n) => n >= 2));
  return {
    gapMs: Math.round(longestGapMs(r.acks, r.startedAt, r.endedAt)),
    acked: r.acks.length,
    lost: lost.length,
    lostIds: lost.slice(0, 20),
    doublePrimaryMs,
    noPrimaryMs: Math.round(writableTimeMs(r.nodeSamples, nodes, from, r.endedAt, (n) => n === 0)),
    endpointInRecoveryMs: Math.round(endpointInRecoveryMs(r.endpointSamples, r.endedAt)),
    recoverySeconds: r.recoverySeconds,
    ok: lost.length === 0 && doublePrimaryMs === 0 && r.recoverySeconds !== null,
  };
}

/** Acks served by `node` after `from`: writes a node took when it should no longer have (a resumed old leader). */
export function acksFromNodeAfter(acks: Ack[], node: string, from: number): number {
  return acks.filter((a) => a.node === node && a.at > from).length;
}
