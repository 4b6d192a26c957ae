// Readiness conditions of a local platform, each a single probe that says what it is still waiting for.
import { etcdMembersStatus, type EtcdTls } from '../dcs/index.js';
import { showServers } from '../haproxy/index.js';
import { BACKENDS, etcdClientEndpoints, patroniApis, type PlatformSecrets } from '../render/index.js';
import type { Spec } from '../spec/index.js';
import { PatroniClusterReader, lastReadError } from '../patroni/index.js';
import type { Layout } from './layout.js';
import { withPg, type Probe } from '../runtime/index.js';

export function etcdHealthyProbe(spec: Spec, tls?: EtcdTls): Probe {
  const endpoints = etcdClientEndpoints(spec);
  return async () => {
    const statuses = await etcdMembersStatus(endpoints, 1000, tls);
    const sick = statuses.filter((s) => !s.healthy);
    return sick.length === 0
      ? undefined
      : `etcd members not healthy yet: ${sick.map((s) => `${s.name} (${s.error ?? 'unhealthy'})`).join(', ')}`;
  };
}

/** The primary port reaches a leader that takes writes, and every other node streams from it. */
export function primaryAndReplicasProbe(spec: Spec, secrets: PlatformSecrets): Probe {
  const replicas = spec.nodes.length - 1;
  return async () =>
    withPg(spec, secrets, spec.haproxy.primaryPort, async (c) => {
      const r = await c.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
      if (r.rows[0]?.recovery) return 'the primary port reached a node that is in recovery';
      // txid_current() assigns a transaction id: only a writable primary can do that.
      await c.query('SELECT txid_current()');
      const s = await c.query<{ streaming: string }>(
        // replay_lsn stays NULL until the standby's first status reply (up to wal_receiver_status_interval,
        // 10 s by default); sent_lsn is the primary's own figure and is there at once.
        `SELECT count(*) AS streaming FROM pg_stat_replication WHERE state = 'streaming'
         AND pg_wal_lsn_diff(pg_current_wal_lsn(), coalesce(replay_lsn, sent_lsn)) <= $1
         AND application_name = ANY($2)`,
        // Only members count: pg_basebackup's own WAL stream also shows up as 'streaming'.
        [spec.postgres.maximumLagOnFailover, spec.nodes.map((n) => n.name)],
      );
      const streaming = Number(s.rows[0]?.streaming ?? 0);
      if (streaming < replicas)
        return `${streaming} of ${replicas} replicas stream from the primary within maximumLagOnFailover`;
      if (spec.postgres.synchronousMode && replicas > 0) {
        // Until Patroni names a synchronous standby, commits are not yet protected and a switchover is refused.
        const sync = await c.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_stat_replication WHERE sync_state = 'sync'",
        );
        if (Number(sync.rows[0]?.n ?? 0) < 1) return 'no synchronous standby is chosen yet';
      }
      return undefined;
    });
}

/** HAProxy routes: exactly one primary server UP, and every replica UP in the replica backend. */
export function haproxyRoutesProbe(spec: Spec, layout: Layout): Probe {
  return async () => {
    const servers = await showServers(layout.adminSocket);
    const up = (backend: string) =>
      servers.filter((s) => s.backend === backend && s.status.startsWith('UP')).map((s) => s.server);
    const primaries = up(BACKENDS.primary);
    if (primaries.length !== 1) return `HAProxy has ${primaries.length} primary servers UP (want 1)`;
    const replicas = up(BACKENDS.replicas);
    const want = spec.nodes.length - 1;
    return replicas.length >= want ? undefined : `HAProxy has ${replicas.length} of ${want} replica servers UP`;
  };
}

/** Patroni itself reports a leader, every member running and, in synchronous mode, a sync standby. */
export function patroniMembersProbe(spec: Spec): Probe {
  const reader = new PatroniClusterReader(patroniApis(spec), 1500);
  return async () => {
    const cluster = await reader.read();
    // No member answering has always ended the wait with that member's error (a GardenError is a verdict).
    if (cluster.source === null) throw lastReadError(cluster)!;
    if (cluster.leader === null) return 'Patroni reports no leader';
    const notRunning = cluster.members.filter((m) => m.state !== 'running' && m.state !== 'streaming');
    if (notRunning.length > 0 || cluster.members.length < spec.nodes.length) {
      return `Patroni members not running yet: ${spec.nodes
        .map((n) => n.name)
        .filter((n) => !cluster.members.some((m) => m.name === n && !notRunning.includes(m)))
        .join(', ')}`;
    }
    // Patroni writes its `sync` key a loop after PostgreSQL reports a sync standby; until then it
    // refuses switchovers, so a platform in synchronous mode is not ready before that.
    if (
      spec.postgres.synchronousMode &&
      spec.nodes.length > 1 &&
      !cluster.members.some((m) => m.role === 'sync_standby')
    ) {
      return 'Patroni has not named a synchronous standby yet';
    }
    // Lag itself is checked live through pg_stat_replication; Patroni's figure trails by a loop or two.
    return undefined;
  };
}

/** The router answers and routes the primary to the leader Patroni names. */
export function routerProbe(spec: Spec): Probe {
  return async () => {
    const res = await fetch(`http://${spec.local.bindAddress}:${spec.router.port}/status`, {
      signal: AbortSignal.timeout(1000),
    });
    const view = (await res.json()) as { leader: string | null; routedTo: string | null };
    return view.leader !== null && view.routedTo === view.leader
      ? undefined
      : `the router routes to ${view.routedTo ?? 'nobody'} (leader key: ${view.leader ?? 'none'})`;
  };
}
