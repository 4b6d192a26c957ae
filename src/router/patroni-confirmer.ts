// Confirms a leader against its own Patroni REST API (/primary == 200), finding its URL in the DCS member key.
import { request } from 'node:http';
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

/**
 * GET <url> and resolve with the status code. node:http rather than fetch(): fetch loads undici on
 * first use, about 12 MB of the router's memory for one GET per leader change.
 */
export async function httpStatus(url: string, timeoutMs: number, ca?: Buffer): Promise<number> {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  const send = https ? (await import('node:https')).request : request;
  return new Promise((resolve, reject) => {
    // Patroni's certificate names the host's address; `servername` stays unset for an IP (RFC 6066), and
    // Node still checks the address against the certificate's IP SANs.
    const req = send(
      u,
      { method: 'GET', timeout: timeoutMs, ...(https && ca ? { ca, servername: '' } : {}) },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${u.host} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export function patroniConfirmer(
  apiUrlOf: (member: string) => Promise<string | undefined>,
  timeoutMs = 500,
  ca?: Buffer,
): LeaderConfirmer {
  return async (member) => {
    const base = await apiUrlOf(member);
    if (!base) return false;
    return (await httpStatus(`${base}/primary`, timeoutMs, ca)) === 200;
  };
}
