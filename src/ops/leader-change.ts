// Planned switchover and manual failover through Patroni's REST API, finished only when the primary port writes to the new leader.
import { GardenError } from '../errors.js';
import { waitUntil } from '../runtime/index.js';
import { PatroniApiError, type ClusterMember, type ClusterView } from '../patroni/index.js';
import { pgAddress, topologyOf } from '../render/index.js';
import type { Spec } from '../spec/index.js';
import type { PlatformAccess } from './access.js';
import { PoolerAdminError, withPoolerPaused, type PoolerControl } from '../pooler/index.js';

export interface LeaderChange {
  from: string | null;
  to: string;
  elapsedMs: number;
  /** With a pooler: whether it paused in time (clients waited) or the pause timed out (it went ahead). */
  pooler?: { pause: 'paused' | 'timed-out'; resumeError?: string };
}

async function readCluster(access: PlatformAccess): Promise<ClusterView> {
  const view = await access.clusterReader(2000).read();
  if (view.source === null) {
    const why = view.errors.map((e) => `${e.member}: ${e.error.message}`).join('; ');
    throw new GardenError(
      'NOT_RUNNING',
      `No Patroni member of this platform answers its REST API${why ? ` (${why})` : ''}.`,
      {
        hint: access.spec.hosts
          ? 'check that the hosts are up and reachable (`gardenos status`), and `gardenos provision` if they were never set up'
          : 'start the platform with `gardenos up`',
      },
    );
  }
  return view;
}

function assertKnownNode(spec: Spec, name: string): void {
  if (!spec.nodes.some((n) => n.name === name)) {
    throw new GardenError('USAGE', `There is no node named "${name}".`, {
      hint: `choose one of: ${spec.nodes.map((n) => n.name).join(', ')}`,
    });
  }
}

/** With synchronous mode Patroni only accepts the sync standby; otherwise the replica with the least lag. */
function pickCandidate(members: ClusterMember[], spec: Spec): ClusterMember | undefined {
  const healthy = members.filter(
    (m) => m.role !== 'leader' && m.state === 'running' && !spec.nodes.find((n) => n.name === m.name)?.nofailover,
  );
  const sync = healthy.find((m) => m.role === 'sync_standby');
  if (sync || spec.postgres.synchronousMode) return sync;
  const lag = (m: ClusterMember) => (typeof m.lag === 'number' ? m.lag : Number.MAX_SAFE_INTEGER);
  return [...healthy].sort((a, b) => lag(a) - lag(b))[0];
}

export async function switchover(
  access: PlatformAccess,
  opts: { to?: string; timeoutMs?: number },
): Promise<LeaderChange> {
  const { spec } = access;
  if (opts.to) assertKnownNode(spec, opts.to);
  const cluster = await readCluster(access);
  const leader = cluster.members.find((m) => m.name === cluster.leader);
  if (!leader) {
    throw new GardenError('CLUSTER_STATE', 'The cluster has no leader, so there is nothing to switch over from.', {
      hint: 'use `gardenos failover --to NAME` to promote a replica when the leader is gone',
    });
  }
  if (opts.to === leader.name) {
    throw new GardenError('USAGE', `${opts.to} is already the leader.`, {
      hint: 'name a replica with --to, or omit --to',
    });
  }
  const candidate = opts.to ? cluster.members.find((m) => m.name === opts.to) : pickCandidate(cluster.members, spec);
  if (!candidate || candidate.state !== 'running') {
    throw new GardenError(
      'CLUSTER_STATE',
      `No healthy replica to switch over to${opts.to ? ` (${opts.to} is ${candidate?.state ?? 'not a member'})` : ''}${!opts.to && spec.postgres.synchronousMode ? ': synchronous mode only allows the synchronous standby, and there is none yet' : ''}.`,
      {
        hint: 'check `gardenos status`; replicas must be running and streaming (in synchronous mode, wait until Patroni names a sync standby)',
      },
    );
  }
  const t0 = Date.now();
  const timeoutMs = opts.timeoutMs ?? 60000;
  const change = () =>
    retryDcsUnavailable(() =>
      access.patroni(leader.name).switchover({ leader: leader.name, candidate: candidate.name }),
    );
  if (!access.pooler) {
    await change();
    await waitForWritableLeader(access, candidate.name, timeoutMs);
    return { from: leader.name, to: candidate.name, elapsedMs: Date.now() - t0 };
  }
  const pooled = await switchPooled(access, access.pooler, candidate.name, change, timeoutMs);
  // The pooled clients are going again; the HAProxy endpoint is checked after them.
  await waitForWritableLeader(access, candidate.name, timeoutMs);
  return { from: leader.name, to: candidate.name, elapsedMs: Date.now() - t0, pooler: pooled };
}

/**
 * The pooler is paused (queued clients see latency, not errors), Patroni switches, and the pooler is
 * resumed once the router has pointed it at the new leader (the router routes only a leader that
 * answers /primary). A pooler that cannot pause refuses the switchover before anything changed.
 */
async function switchPooled(
  access: PlatformAccess,
  pooler: PoolerControl,
  candidate: string,
  change: () => Promise<unknown>,
  timeoutMs: number,
): Promise<NonNullable<LeaderChange['pooler']>> {
  let resumeError: string | undefined;
  let pause: 'paused' | 'timed-out';
  // Patroni's POST /switchover answers only after the new leader has taken over; the pooler is resumed
  // as soon as the router has moved it, without waiting for that answer (it is awaited after).
  let request: Promise<unknown> | undefined;
  let failed: { err: unknown } | undefined;
  try {
    pause = await withPoolerPaused(
      pooler,
      access.spec.pooler.pauseTimeoutMs,
      async (p) => {
        request = change().catch((err: unknown) => {
          failed = { err };
        });
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          if (failed) throw failed.err;
          // Routed, and out of recovery: Patroni answers /primary (so the router routes) while the
          // promotion is still finishing, and a write released then would meet a read-only server.
          if ((await pooler.routedTo().catch(() => null)) === candidate && (await writable(access, candidate)))
            return p;
          if (Date.now() > deadline) {
            throw new GardenError('TIMEOUT', `PgBouncer was not routed to ${candidate} within ${timeoutMs} ms.`, {
              hint: 'check `gardenos logs router`: the router points PgBouncer at the leader once it answers /primary; the switchover may still complete',
            });
          }
          await new Promise((r) => setTimeout(r, 10));
        }
      },
      (err) => (resumeError = err.message),
    );
  } catch (err) {
    if (err instanceof PoolerAdminError && !request) {
      throw new GardenError(
        'CLUSTER_STATE',
        `PgBouncer could not be paused for the switchover (${err.message}), so nothing was changed.`,
        {
          hint: 'check `gardenos status` and `gardenos logs pgbouncer`; `gardenos up` restarts a PgBouncer that is down',
          cause: err,
        },
      );
    }
    throw err;
  }
  await request;
  if (failed) throw failed.err;
  return { pause, ...(resumeError ? { resumeError } : {}) };
}

async function writable(access: PlatformAccess, node: string): Promise<boolean> {
  return access
    .withPg(pgAddress(access.spec, node), async (c) => {
      const r = await c.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
      return r.rows[0]?.recovery === false;
    })
    .catch(() => false);
}

export async function failover(
  access: PlatformAccess,
  opts: { to: string; timeoutMs?: number },
): Promise<LeaderChange> {
  const { spec } = access;
  assertKnownNode(spec, opts.to);
  const cluster = await readCluster(access);
  const leader = cluster.members.find((m) => m.name === cluster.leader);
  if (leader?.name === opts.to) {
    throw new GardenError('USAGE', `${opts.to} is already the leader.`, { hint: 'name another node with --to' });
  }
  const sync = cluster.members.find((m) => m.role === 'sync_standby');
  if (leader && spec.postgres.synchronousMode && sync?.name !== opts.to) {
    // Patroni would answer 412 "no good candidates": it promotes only the synchronous standby while a leader runs.
    throw new GardenError(
      'CLUSTER_STATE',
      `${opts.to} is not the synchronous standby (${sync ? `${sync.name} is` : 'none is named yet'}); in synchronous mode Patroni promotes only the synchronous standby while ${leader.name} leads, so that no acknowledged write is lost. Nothing was changed.`,
      {
        hint: sync
          ? `fail over to ${sync.name}, or use \`gardenos switchover --to ${opts.to}\` once it is the synchronous standby`
          : 'wait until `gardenos status` shows a synchronous standby (a replica streaming from the leader), then retry',
      },
    );
  }
  const t0 = Date.now();
  await retryDcsUnavailable(() => access.patroni(opts.to).failover({ candidate: opts.to }));
  await waitForWritableLeader(access, opts.to, opts.timeoutMs ?? 60000);
  return { from: leader?.name ?? null, to: opts.to, elapsedMs: Date.now() - t0 };
}

/**
 * Patroni answers 503 "failed to write ... key into DCS" when its etcd connection just broke (a member
 * died); it moves to another member on its next attempt. Nothing was scheduled, so retrying is safe.
 */
async function retryDcsUnavailable<T>(call: () => Promise<T>, attempts = 8): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (err) {
      if (i >= attempts || !(err instanceof PatroniApiError) || err.failure !== 'dcs-unavailable') throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Done means: a write through the primary endpoint lands on `name`, not just that Patroni says so. */
async function waitForWritableLeader(access: PlatformAccess, name: string, timeoutMs: number): Promise<void> {
  // The server's own port tells the nodes apart on one machine, its address across hosts.
  const want = pgAddress(access.spec, name);
  const byAddress = new Set(topologyOf(access.spec).nodes.map((n) => n.host)).size > 1;
  await waitUntil(
    () =>
      access.withPg(access.primaryEndpoint, async (c) => {
        const r = await c.query<{ addr: string | null; port: number; recovery: boolean }>(
          'SELECT host(inet_server_addr()) AS addr, inet_server_port() AS port, pg_is_in_recovery() AS recovery',
        );
        const row = r.rows[0];
        if (!row || row.recovery || row.port !== want.port || (byAddress && row.addr !== want.host))
          return `the primary endpoint still reaches the server at ${row?.addr ?? '?'}:${row?.port ?? '?'}`;
        await c.query('SELECT txid_current()');
        return undefined;
      }),
    {
      timeoutMs,
      intervalMs: 50,
      what: `writes through the primary endpoint to reach ${name}`,
      hint: 'check `gardenos status` and `gardenos logs patroni`; the change may still complete',
    },
  );
}
