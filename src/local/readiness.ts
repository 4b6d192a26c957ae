// Readiness conditions of a local platform, each a single probe that says what it is still waiting for.
import { etcdMembersStatus, type EtcdTls } from '../dcs/index.js';
import { showServers } from '../haproxy/index.js';
import { BACKENDS, etcdClientEndpoints, type PlatformSecrets } from '../render/index.js';
import type { Spec } from '../spec/index.js';
import { lastReadError } from '../patroni/index.js';
import { localClusterReader, localPgSsl } from './server-clients.js';
import type { Layout } from './layout.js';
import { primaryAndReplicasProblem, withPg, type Probe } from '../runtime/index.js';

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
  return async () =>
    withPg(spec, secrets, spec.haproxy.primaryPort, (c) => primaryAndReplicasProblem(c, spec), localPgSsl(spec));
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
  const reader = localClusterReader(spec, 1500);
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
