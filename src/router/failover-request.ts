// Patroni's failover key: a planned switchover (or a manual failover) asked for through its REST API
// or patronictl. Patroni writes {"leader","member","scheduled_at"} and, once done or refused, "{}".

export interface FailoverRequest {
  /** The leader that is to step down (a switchover names it; a manual failover may not). */
  leader?: string;
  /** The member to promote, when one is named. */
  member?: string;
  /** When a scheduled switchover is due; absent for one that runs at once. */
  scheduledAt?: Date;
}

/** The request in the key's value, or null when there is none ("{}", no key, or not Patroni's JSON). */
export function parseFailoverRequest(value: string | null): FailoverRequest | null {
  if (!value) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const o = raw as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const leader = str(o.leader);
  const member = str(o.member);
  if (!leader && !member) return null;
  const at = str(o.scheduled_at);
  const scheduledAt = at ? new Date(at) : undefined;
  return {
    ...(leader ? { leader } : {}),
    ...(member ? { member } : {}),
    ...(scheduledAt && !Number.isNaN(scheduledAt.getTime()) ? { scheduledAt } : {}),
  };
}
