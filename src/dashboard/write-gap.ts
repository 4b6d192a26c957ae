// Leader changes as the primary endpoint's clients saw them: from probe samples to the write gap of each.
//
// A probe asks the primary endpoint `SELECT pg_is_in_recovery()` every PROBE_INTERVAL_MS. The gap of a
// change is from the last sample that could write on the old leader to the first that could on the new
// one, so it reads at most about two probe intervals longer than the true gap, never shorter.

export const PROBE_INTERVAL_MS = 100;
/** Kept in memory only: a restarted dashboard starts with an empty timeline. */
export const TIMELINE_LENGTH = 50;

export interface ProbeSample {
  /** When the answer (or the failure) came, ms since the epoch. */
  at: number;
  /** A primary answered: the endpoint took writes at `at`. */
  writable: boolean;
  /** The member that answered (by its server port), null when none did. */
  member: string | null;
  /** Why it could not write: the error, or "answered by a replica". */
  error?: string;
}

export interface LeaderChangeRecord {
  from: string;
  to: string;
  /** Last writable sample on `from`, and first on `to` (ISO times). */
  lastWriteAt: string;
  firstWriteAt: string;
  gapMs: number;
}

export interface WriteState {
  writable: boolean;
  member: string | null;
  /** Since when the endpoint is in this state (ISO), null before the first sample. */
  since: string | null;
  error: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class WriteGapTracker {
  private lastWrite: { at: number; member: string } | undefined;
  private state: WriteState = { writable: false, member: null, since: null, error: null };
  private readonly changes: LeaderChangeRecord[] = [];

  constructor(private readonly keep = TIMELINE_LENGTH) {}

  /** Takes one sample; returns the leader change it completes, if any. */
  observe(s: ProbeSample): LeaderChangeRecord | undefined {
    if (s.writable !== this.state.writable || s.member !== this.state.member || this.state.since === null) {
      this.state = { writable: s.writable, member: s.member, since: iso(s.at), error: s.error ?? null };
    } else {
      this.state = { ...this.state, error: s.error ?? null };
    }
    if (!s.writable || s.member === null) return undefined;
    const prev = this.lastWrite;
    this.lastWrite = { at: s.at, member: s.member };
    // The first write ever seen starts the record; a gap on the same member is an outage, not a change.
    if (!prev || prev.member === s.member) return undefined;
    const change: LeaderChangeRecord = {
      from: prev.member,
      to: s.member,
      lastWriteAt: iso(prev.at),
      firstWriteAt: iso(s.at),
      gapMs: s.at - prev.at,
    };
    this.changes.unshift(change);
    this.changes.length = Math.min(this.changes.length, this.keep);
    return change;
  }

  /** Newest first, at most `keep`. */
  timeline(): LeaderChangeRecord[] {
    return [...this.changes];
  }

  current(): WriteState {
    return { ...this.state };
  }
}
