// What `status` and `doctor` know of the pooler: reachable, routed to whom, clients waiting, and where
// its server connections go. PgBouncer 1.18 shows no global pause, so a pause shows as clients waiting.
import type { AdminRow, PoolerAdmin, PoolerControl } from '../pooler/index.js';

export interface PoolerStatus {
  port: number;
  mode: 'transaction' | 'session';
  reachable: boolean;
  routedTo: string | null;
  /** Clients queued for a server connection (a pause, or a full pool), and the longest wait in seconds. */
  clientsWaiting: number;
  longestWaitS: number;
  /** Server connections by member (server port mapped back to its node). */
  serverConnections: { member: string; count: number }[];
}

export interface PoolerSource {
  admin: PoolerAdmin;
  control: PoolerControl;
  port: number;
  mode: 'transaction' | 'session';
  /** Member of each server port. */
  memberAt: (port: number) => string | undefined;
}

const num = (v: AdminRow[string] | undefined) => Number(v ?? 0);

export async function poolerStatus(src: PoolerSource): Promise<PoolerStatus> {
  const base = { port: src.port, mode: src.mode };
  try {
    const [pools, servers, routedTo] = await Promise.all([
      src.admin.show('POOLS'),
      src.admin.show('SERVERS'),
      src.control.routedTo(),
    ]);
    const real = pools.filter((p) => p.database !== 'pgbouncer');
    const byMember = new Map<string, number>();
    for (const s of servers) {
      const member = src.memberAt(num(s.port)) ?? `port ${String(s.port)}`;
      byMember.set(member, (byMember.get(member) ?? 0) + 1);
    }
    return {
      ...base,
      reachable: true,
      routedTo,
      clientsWaiting: real.reduce((n, p) => n + num(p.cl_waiting), 0),
      longestWaitS: real.reduce((n, p) => Math.max(n, num(p.maxwait)), 0),
      serverConnections: [...byMember]
        .map(([member, count]) => ({ member, count }))
        .sort((a, b) => a.member.localeCompare(b.member)),
    };
  } catch {
    return { ...base, reachable: false, routedTo: null, clientsWaiting: 0, longestWaitS: 0, serverConnections: [] };
  }
}

/** Sentences for the problems a pooler can have, given the leader. */
export function poolerProblems(p: PoolerStatus, leader: string | null): string[] {
  if (!p.reachable) return [`PgBouncer (:${p.port}) does not answer on its admin console`];
  const problems: string[] = [];
  if (leader && p.routedTo !== leader) {
    problems.push(`PgBouncer routes to ${p.routedTo ?? 'nobody'}, but the leader is ${leader}`);
  }
  const elsewhere = p.serverConnections.filter((s) => s.member !== leader);
  if (leader && elsewhere.length > 0) {
    problems.push(
      `PgBouncer holds server connections to ${elsewhere.map((s) => `${s.member} (${s.count})`).join(', ')}, which ${elsewhere.length === 1 ? 'is' : 'are'} not the leader`,
    );
  }
  // A few seconds of waiting is a switchover's pause; longer means it was left paused or the pool is full.
  if (p.clientsWaiting > 0 && p.longestWaitS >= 5) {
    problems.push(
      `PgBouncer has ${p.clientsWaiting} client${p.clientsWaiting === 1 ? '' : 's'} waiting, the longest ${p.longestWaitS} s: it is paused, or its pool (pooler.poolSize) is full`,
    );
  }
  return problems;
}
