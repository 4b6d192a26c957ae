// GET a JSON document over http or https with our CA (and, for etcd-style APIs, a client certificate).
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';

export interface TlsMaterial {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export function getJson<T>(
  url: string,
  o: { tls?: TlsMaterial; timeoutMs: number; auth?: string; raw?: boolean },
): Promise<T> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const https = u.protocol === 'https:';
    const headers: Record<string, string> = o.auth
      ? { authorization: `Basic ${Buffer.from(o.auth).toString('base64')}` }
      : {};
    // servername '': the certificates name IP addresses, which are not TLS server names (RFC 6066);
    // Node still checks the address against the certificate's IP SANs.
    const options = {
      method: 'GET',
      timeout: o.timeoutMs,
      headers,
      ...(https && o.tls ? { ...o.tls, servername: '' } : {}),
    };
    const req = (https ? request : httpRequest)(u, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        if ((res.statusCode ?? 500) >= 300)
          return reject(new Error(`${u.origin}${u.pathname}: HTTP ${res.statusCode}`));
        try {
          resolve((o.raw ? body : JSON.parse(body)) as T);
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${u.host}: no answer in ${o.timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
