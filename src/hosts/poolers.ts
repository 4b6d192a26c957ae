// Each haproxy host's PgBouncer as its router reports it (/pooler): PgBouncer's admin console is a Unix
// socket on its host, and the router, which shares PgBouncer's OS user, reads it there.
import { getJson } from '../net/http.js';
import { unreachablePooler, type PoolerStatus } from '../ops/pooler-status.js';
import { hostComponents } from '../render/hosts/components.js';
import type { HostConfig, Spec } from '../spec/index.js';

/** The hosts that run PgBouncer. */
export function hostsPoolerHosts(spec: Spec): HostConfig[] {
  return (spec.hosts ?? []).filter((h) => hostComponents(spec, h).pgbouncer);
}

/** One status per PgBouncer host; a router that does not answer counts as a PgBouncer that does not. Null: pooler off. */
export async function hostsPoolers(spec: Spec, timeoutMs = 2000): Promise<PoolerStatus[] | null> {
  const hosts = hostsPoolerHosts(spec);
  if (hosts.length === 0) return null;
  return Promise.all(
    hosts.map(async (h): Promise<PoolerStatus> => {
      const at = { host: h.name, port: spec.pooler.port, mode: spec.pooler.mode };
      try {
        const s = await getJson<PoolerStatus>(`http://${h.address}:${spec.router.port}/pooler`, { timeoutMs });
        return { ...s, ...at };
      } catch {
        return unreachablePooler(at);
      }
    }),
  );
}
