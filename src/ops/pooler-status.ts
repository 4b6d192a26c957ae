// What `status` and `doctor` know of the pooler: reachable, routed to whom, clients waiting, and where
// its server connections go. PgBouncer 1.18 shows no global pause, so a pause shows as clients waiting.
import type { AdminRow, PoolerAdmin, PoolerControl } from '../pooler/index.js';

export interface PoolerStatus {
  /** The host it runs on (the hosts target, one PgBouncer per haproxy host); absent on one machine. */
  host?: string;
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

/** A PgBouncer that did not answer (or whose router did not): nothing else is known of it. */
export function unreachablePooler(at: Pick<PoolerStatus, 'host' | 'port' | 'mode'>): PoolerStatus {
  return {
    ...(at.host ? { host: at.host } : {}),
    port: at.port,
    mode: at.mode,
    reachable: false,
    routedTo: null,
    clientsWaiting: 0,
    longestWaitS: 0,
    serverConnections: [],
  };
}

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
    return unreachablePooler(base);
  }
}

/** One thing wrong with the pooler, in doctor's terms (status prints the title alone). */
export interface PoolerFinding {
  title: string;
  evidence: string;
  cause: string;
  fix: string;
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** What is wrong with a pooler, given the leader; [] when it is fine. */
export function poolerFindings(p: PoolerStatus, leader: string | null): PoolerFinding[] {
  const name = p.host ? `PgBouncer on ${p.host}` : 'PgBouncer';
  // One machine: gardenos's own commands; across hosts, the host's service and the router's view of it.
  const fixes = p.host
    ? {
        start: `\`gardenos provision\` starts it again; \`gardenos logs ${p.host}/pgbouncer\` and \`gardenos logs ${p.host}/router\` show why it stopped`,
        router: `\`gardenos logs ${p.host}/router\` says why it did not route; \`gardenos provision\` restarts a stopped router`,
        restart: `the router closes them when it re-routes; if it keeps happening, restart gardenos-router on ${p.host}`,
        resume: `\`gardenos pooler resume\` ends a pause left behind (it resumes every host's PgBouncer over SSH)`,
        evidence: `the router on ${p.host} read SHOW POOLS from the pgbouncer admin database`,
      }
    : {
        start: '`gardenos up` starts it again; `gardenos logs pgbouncer` shows why it stopped',
        router:
          '`gardenos status` shows the router; `gardenos logs router` says why it did not route; `gardenos up` restarts a stopped router',
        restart:
          'the router closes them when it re-routes; if it keeps happening, restart the router with `gardenos up`',
        resume: '`gardenos pooler resume` ends a pause that was left behind',
        evidence: 'SHOW POOLS on the pgbouncer admin database over its unix socket',
      };
  if (!p.reachable) {
    return [
      {
        title: `${name} (:${p.port}) does not answer on its admin console`,
        evidence: `${fixes.evidence} failed`,
        cause:
          'PgBouncer is stopped or hung (or, across hosts, the router that reads it does not answer): the pooled primary endpoint accepts no connections',
        fix: fixes.start,
      },
    ];
  }
  const findings: PoolerFinding[] = [];
  if (leader && p.routedTo !== leader) {
    findings.push({
      title: `${name} routes to ${p.routedTo ?? 'nobody'}, but the leader is ${leader}`,
      evidence: `the route probe database names ${p.routedTo ?? 'no member'}; the Patroni leader is ${leader}`,
      cause: p.routedTo
        ? 'the router has not applied the leader change to PgBouncer (router stopped, or it cannot reach the admin console); pooled writes fail with "read-only transaction"'
        : 'the router un-routed PgBouncer and has not routed the new leader yet (it waits for /primary); pooled clients get errors',
      fix: fixes.router,
    });
  }
  const elsewhere = p.serverConnections.filter((s) => s.member !== leader);
  if (leader && elsewhere.length > 0) {
    findings.push({
      title: `${name} holds server connections to ${elsewhere.map((s) => `${s.member} (${s.count})`).join(', ')}, which ${plural(elsewhere.length, 'is', 'are')} not the leader`,
      evidence: `SHOW SERVERS: ${p.serverConnections.map((s) => `${s.member} ${s.count}`).join(', ')}; leader ${leader}`,
      cause: 'connections opened before a leader change were not closed: work sent on them reaches a demoted primary',
      fix: fixes.restart,
    });
  }
  // A few seconds of waiting is a switchover's pause; longer means it was left paused or the pool is full.
  if (p.clientsWaiting > 0 && p.longestWaitS >= 5) {
    findings.push({
      title: `${name} has ${p.clientsWaiting} ${plural(p.clientsWaiting, 'client', 'clients')} waiting, the longest ${p.longestWaitS} s: it is paused, or its pool (pooler.poolSize) is full`,
      evidence: `SHOW POOLS: cl_waiting ${p.clientsWaiting}, maxwait ${p.longestWaitS} s`,
      cause: 'a pause that was never resumed, or more concurrent transactions than pooler.poolSize server connections',
      fix: `${fixes.resume}; a full pool needs a larger pooler.poolSize (within max_connections)`,
    });
  }
  return findings;
}

/** The titles alone, for `status`. */
export function poolerProblems(p: PoolerStatus, leader: string | null): string[] {
  return poolerFindings(p, leader).map((f) => f.title);
}
