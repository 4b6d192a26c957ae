// Decodes Patroni's DCS values into short sentences with their ages (pure).
import type { ScopeKey, ScopeSnapshot } from './scope-keys.js';

export interface DecodedKey {
  name: string;
  summary: string;
  /** How long ago it changed, in etcd revisions (etcd keeps no wall-clock time per key). */
  revisionsAgo: number;
  /** Seconds left on its lease, if it has one. */
  ttlLeft: number | null;
  /** A wall-clock time the value itself carries (initdb time, last history entry...), if any. */
  since: string | null;
}

export function decodeScope(snapshot: ScopeSnapshot): DecodedKey[] {
  return snapshot.keys.map((k) => ({
    name: k.name,
    summary: summarize(k),
    revisionsAgo: snapshot.revision - k.modRevision,
    ttlLeft: k.ttlLeft ?? null,
    since: sinceOf(k),
  }));
}

function parse(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function summarize(k: ScopeKey): string {
  const top = k.name.split('/')[0];
  const json = parse(k.value) as Record<string, unknown> | unknown[] | undefined;
  if (top === 'initialize') return `system identifier ${k.value}`;
  if (top === 'leader') return `held by ${k.value}${k.lease === '0' ? ' (no lease: it never expires — stale?)' : ''}`;
  if (top === 'members' && json && !Array.isArray(json)) {
    const m = json;
    return `${String(m.role ?? '?')} ${String(m.state ?? '?')}, api ${String(m.api_url ?? '?')}, timeline ${String(m.timeline ?? '?')}`;
  }
  if (top === 'history' && Array.isArray(json)) {
    const last = json[json.length - 1] as unknown[] | undefined;
    return `${json.length} timeline switch${json.length === 1 ? '' : 'es'}${last ? `, last to timeline ${String(Number(last[0]) + 1)}` : ''}`;
  }
  if (top === 'config' && json && !Array.isArray(json)) {
    return `ttl ${String(json.ttl ?? '?')}, loop_wait ${String(json.loop_wait ?? '?')}, synchronous_mode ${String(json.synchronous_mode ?? false)}`;
  }
  if (top === 'sync' && json && !Array.isArray(json))
    return `leader ${String(json.leader ?? '?')}, sync standby ${String(json.sync_standby ?? 'none')}`;
  if (top === 'failover' && json && !Array.isArray(json)) {
    return `requested: leader ${String(json.leader ?? 'any')} -> ${String(json.member ?? json.candidate ?? 'any')}`;
  }
  return k.value.length > 80 ? `${k.value.slice(0, 77)}...` : k.value;
}

/** A PostgreSQL system identifier's upper 32 bits are the initdb time in Unix seconds. */
export function initdbTime(sysid: string): string | null {
  if (!/^\d{10,20}$/.test(sysid)) return null;
  const secs = Number(BigInt(sysid) >> 32n);
  return secs > 0 ? new Date(secs * 1000).toISOString() : null;
}

function sinceOf(k: ScopeKey): string | null {
  const top = k.name.split('/')[0];
  if (top === 'initialize') return initdbTime(k.value);
  if (top === 'history') {
    const json = parse(k.value);
    if (Array.isArray(json)) {
      const last = json[json.length - 1] as unknown[] | undefined;
      if (last && typeof last[3] === 'string') return last[3];
    }
  }
  if (top === 'failover') {
    const json = parse(k.value) as Record<string, unknown> | undefined;
    if (json && typeof json.scheduled_at === 'string') return json.scheduled_at;
  }
  return null;
}
