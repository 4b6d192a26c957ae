// HTTP(S) requests with our CA (and, for etcd-style APIs, a client certificate): the one transport for
// Patroni's REST API and the stats pages, on one machine (plain http) and across hosts (https).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface TlsMaterial {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  tls?: TlsMaterial;
  /** The whole exchange, connect to last byte. */
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  text: string;
}

/** One request; rejects (a Node error with its code) when no HTTP answer came, resolves with any status. */
export function request(url: string, o: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const https = u.protocol === 'https:';
    const headers: Record<string, string> = { ...o.headers };
    if (o.body !== undefined) headers['content-length'] = String(Buffer.byteLength(o.body));
    // servername '': the certificates name IP addresses, which are not TLS server names (RFC 6066);
    // Node still checks the address against the certificate's IP SANs.
    const options = {
      method: o.method ?? 'GET',
      headers,
      signal: AbortSignal.timeout(o.timeoutMs),
      ...(https && o.tls ? { ...o.tls, servername: '' } : {}),
    };
    const req = (https ? httpsRequest : httpRequest)(u, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', (err: Error) =>
      reject(err.name === 'AbortError' ? new Error(`${u.host}: no answer in ${o.timeoutMs} ms`) : err),
    );
    req.end(o.body);
  });
}

/** GET a JSON document (or, with raw, the text); an HTTP status of 300 or more is an error. */
export async function getJson<T>(
  url: string,
  o: { tls?: TlsMaterial; timeoutMs: number; auth?: string; raw?: boolean },
): Promise<T> {
  const headers: Record<string, string> = o.auth
    ? { authorization: `Basic ${Buffer.from(o.auth).toString('base64')}` }
    : {};
  const res = await request(url, { headers, timeoutMs: o.timeoutMs, ...(o.tls ? { tls: o.tls } : {}) });
  const u = new URL(url);
  if (res.status >= 300) throw new Error(`${u.origin}${u.pathname}: HTTP ${res.status}`);
  return (o.raw ? res.text : JSON.parse(res.text)) as T;
}
