// Confirms a leader against its own Patroni REST API (/primary == 200), finding its URL in the DCS member key.
import type { Etcd3 } from 'etcd3';
import type { LeaderConfirmer } from './types.js';

/** Member name -> Patroni API base URL, read from `<scope prefix>members/<name>` (api_url). */
export function dcsApiUrls(client: Etcd3, scopePrefix: string): (member: string) => Promise<string | undefined> {
  const cache = new Map<string, string>();
  return async (member) => {
    const cached = cache.get(member);
    if (cached) return cached;
    const raw = await client.get(`${scopePrefix}members/${member}`).string();
    if (!raw) return undefined;
    const apiUrl = (JSON.parse(raw) as { api_url?: string }).api_url;
    if (!apiUrl) return undefined;
    const base = apiUrl.replace(/\/patroni\/?$/, '');
    cache.set(member, base);
    return base;
  };
}

export function patroniConfirmer(apiUrlOf: (member: string) => Promise<string | undefined>, timeoutMs = 500): LeaderConfirmer {
  return async (member) => {
    const base = await apiUrlOf(member);
    if (!base) return false;
    const res = await fetch(`${base}/primary`, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.status === 200;
  };
}
