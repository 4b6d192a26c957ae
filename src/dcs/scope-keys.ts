// The keys of one Patroni scope in etcd: read and decode them, back them up, delete exactly that prefix.
import type { Etcd3 } from 'etcd3';
import { GardenError, describeCause } from '../errors.js';

/** Patroni's own key names under `<namespace>/<scope>/`, in the order an operator reads them. */
export const PATRONI_KEYS = [
  'initialize',
  'config',
  'leader',
  'members',
  'history',
  'sync',
  'failover',
  'status',
  'failsafe',
] as const;

export interface ScopeKey {
  key: string;
  /** The part after the scope prefix: `leader`, `members/pg1`, ... */
  name: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  /** Lease id ('0' when the key never expires); Patroni puts the leader and member keys on leases. */
  lease: string;
  /** Seconds left on the lease, when it has one and it is still alive. */
  ttlLeft?: number;
}

export interface ScopeSnapshot {
  prefix: string;
  /** etcd's revision when the keys were read: deleting only if nothing changed since. */
  revision: number;
  keys: ScopeKey[];
}

/** The range end of a prefix: the prefix with its last byte + 1 (what `etcdctl --prefix` uses). */
export function prefixRangeEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** A scope prefix must end with "/" or `garden` would also match `garden2`. */
export function assertScopePrefix(prefix: string): void {
  if (!/^\/.+\/$/.test(prefix)) {
    throw new GardenError(
      'USAGE',
      `Refusing to use the etcd prefix "${prefix}": a scope prefix must start and end with "/".`,
      {
        hint: 'this is a bug in gardenos; a scope prefix is <namespace>/<scope>/',
      },
    );
  }
}

export async function readScope(client: Etcd3, prefix: string): Promise<ScopeSnapshot> {
  assertScopePrefix(prefix);
  let res;
  try {
    res = await client.kv.range({ key: Buffer.from(prefix), range_end: prefixRangeEnd(prefix) });
  } catch (cause) {
    throw new GardenError(
      'CLUSTER_STATE',
      `Could not read the keys under ${prefix} from etcd: ${describeCause(cause)}.`,
      {
        hint: 'check that etcd runs (`gardenos status`, `gardenos doctor`)',
        cause,
      },
    );
  }
  const keys = await Promise.all(
    res.kvs.map(async (kv): Promise<ScopeKey> => {
      const key = kv.key.toString('utf8');
      const k: ScopeKey = {
        key,
        name: key.slice(prefix.length),
        value: kv.value.toString('utf8'),
        createRevision: Number(kv.create_revision),
        modRevision: Number(kv.mod_revision),
        version: Number(kv.version),
        lease: kv.lease,
      };
      if (kv.lease !== '0') {
        const ttl = await client.leaseClient.leaseTimeToLive({ ID: kv.lease }).catch(() => undefined);
        if (ttl && Number(ttl.TTL) >= 0) k.ttlLeft = Number(ttl.TTL);
      }
      return k;
    }),
  );
  keys.sort((a, b) => keyOrder(a.name) - keyOrder(b.name) || a.name.localeCompare(b.name));
  return { prefix, revision: Number(res.header.revision), keys };
}

function keyOrder(name: string): number {
  const i = PATRONI_KEYS.indexOf(name.split('/')[0] as (typeof PATRONI_KEYS)[number]);
  return i < 0 ? PATRONI_KEYS.length : i;
}

/**
 * Deletes every key under the prefix in one transaction that only succeeds if no key there changed
 * since `snapshot` was read: what is deleted is exactly what was backed up.
 */
export async function deleteScope(client: Etcd3, snapshot: ScopeSnapshot): Promise<number> {
  assertScopePrefix(snapshot.prefix);
  const key = Buffer.from(snapshot.prefix);
  const rangeEnd = prefixRangeEnd(snapshot.prefix);
  const res = await client.kv.txn({
    compare: [{ key, range_end: rangeEnd, target: 'Mod', result: 'Less', mod_revision: snapshot.revision + 1 }],
    success: [{ request_delete_range: { key, range_end: rangeEnd } }],
    failure: [],
  });
  if (!res.succeeded) {
    throw new GardenError(
      'CLUSTER_STATE',
      `The keys under ${snapshot.prefix} changed while the reset was being prepared; nothing was deleted.`,
      {
        hint: 'something still writes to this scope (a running Patroni?); check `gardenos dcs show` and retry',
        leftBehind: 'all keys are unchanged',
      },
    );
  }
  return Number(res.responses[0]?.response_delete_range.deleted ?? 0);
}
