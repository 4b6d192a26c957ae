// Planned switchover and manual failover through Patroni's REST API, finished only when the primary port writes to the new leader.
import { GardenError } from '../errors.js';
import { withPg, waitUntil } from '../local/index.js';
import {
  PatroniApiError,
  PatroniClient,
  PatroniClusterReader,
  type ClusterMember,
  type ClusterView,
} from '../patroni/index.js';
import { ROLE_NAMES, nodeAt, patroniApis, patroniApiUrl, type PlatformSecrets } from '../render/index.js';
import type { Spec } from '../spec/index.js';

export interface LeaderChange {
  from: string | null;
  to: string;
  elapsedMs: number;
}

async function readCluster(spec: Spec): Promise<ClusterView> {
  const view = await new PatroniClusterReader(patroniApis(spec), 2000).read();
  if (view.source === null) {
    throw new GardenError('NOT_RUNNING', 'No Patroni member of this platform answers its REST API.', {
      hint: 'start the platform with `gardenos up`',
    });
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
  spec: Spec,
  secrets: PlatformSecrets,
  opts: { to?: string; timeoutMs?: number },
): Promise<LeaderChange> {
  if (opts.to) assertKnownNode(spec, opts.to);
  const cluster = await readCluster(spec);
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
  await retryDcsUnavailable(() =>
    new PatroniClient(patroniApiUrl(spec, leader.name), restAuth(secrets), 10000).switchover({
      leader: leader.name,
      candidate: candidate.name,
    }),
  );
  await waitForWritableLeader(spec, secrets, candidate.name, opts.timeoutMs ?? 60000);
  return { from: leader.name, to: candidate.name, elapsedMs: Date.now() - t0 };
}

export async function failover(
  spec: Spec,
  secrets: PlatformSecrets,
  opts: { to: string; timeoutMs?: number },
): Promise<LeaderChange> {
  assertKnownNode(spec, opts.to);
  const cluster = await readCluster(spec);
  const leader = cluster.members.find((m) => m.name === cluster.leader);
  if (leader?.name === opts.to) {
    throw new GardenError('USAGE', `${opts.to} is already the leader.`, { hint: 'name another node with --to' });
  }
  const t0 = Date.now();
  await retryDcsUnavailable(() =>
    new PatroniClient(patroniApiUrl(spec, opts.to), restAuth(secrets), 10000).failover({ candidate: opts.to }),
  );
  await waitForWritableLeader(spec, secrets, opts.to, opts.timeoutMs ?? 60000);
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

function restAuth(secrets: PlatformSecrets) {
  return { username: ROLE_NAMES.restapi, password: secrets.restapiPassword };
}

/** Done means: a write through the primary port lands on `name`, not just that Patroni says so. */
async function waitForWritableLeader(
  spec: Spec,
  secrets: PlatformSecrets,
  name: string,
  timeoutMs: number,
): Promise<void> {
  const port = nodeAt(spec, name).pgPort;
  await waitUntil(
    () =>
      withPg(spec, secrets, spec.haproxy.primaryPort, async (c) => {
        const r = await c.query<{ port: number; recovery: boolean }>(
          'SELECT inet_server_port() AS port, pg_is_in_recovery() AS recovery',
        );
        const row = r.rows[0];
        if (!row || row.recovery || row.port !== port)
          return `the primary port still reaches the node on port ${row?.port ?? '?'}`;
        await c.query('SELECT txid_current()');
        return undefined;
      }),
    {
      timeoutMs,
      intervalMs: 50,
      what: `writes through the primary port to reach ${name}`,
      hint: 'check `gardenos status` and `gardenos logs patroni`; the change may still complete',
    },
  );
}
