// Health, leadership and version of each etcd member, asked of each member directly. Over the JSON
// gateway etcd serves on its client URL (POST /v3/maintenance/status), not gRPC: a status check then
// loads no gRPC or protobuf code, which costs a short command such as `gardenos status` more than its I/O.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface EtcdMemberStatus {
  name: string;
  clientURL: string;
  healthy: boolean;
  isLeader: boolean;
  version?: string;
  error?: string;
}

export interface EtcdEndpoint {
  name: string;
  clientURL: string;
}

export interface EtcdTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export async function etcdMembersStatus(
  endpoints: EtcdEndpoint[],
  timeoutMs = 2000,
  tls?: EtcdTls,
): Promise<EtcdMemberStatus[]> {
  const credentials = tls && {
    ca: readFileSync(tls.caFile),
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
  };
  return Promise.all(
    endpoints.map(async (ep): Promise<EtcdMemberStatus> => {
      try {
        const status = await maintenanceStatus(ep.clientURL, timeoutMs, credentials);
        // Uint64 fields come as decimal strings; "0" (or none) is no raft leader.
        const leaderKnown = (status.leader ?? '0') !== '0';
        return {
          name: ep.name,
          clientURL: ep.clientURL,
          healthy: leaderKnown,
          isLeader: leaderKnown && status.leader === status.header?.member_id,
          ...(status.version ? { version: status.version } : {}),
          ...(leaderKnown ? {} : { error: 'no raft leader' }),
        };
      } catch (err) {
        return {
          name: ep.name,
          clientURL: ep.clientURL,
          healthy: false,
          isLeader: false,
          error: (err as Error).message,
        };
      }
    }),
  );
}

interface StatusResponse {
  header?: { member_id?: string };
  leader?: string;
  version?: string;
}

/** One POST to the member's gateway, bounded by timeoutMs from start to the last byte. */
function maintenanceStatus(
  clientURL: string,
  timeoutMs: number,
  credentials: { ca: Buffer; cert: Buffer; key: Buffer } | undefined,
): Promise<StatusResponse> {
  const url = new URL('/v3/maintenance/status', clientURL);
  const https = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
        ...(https && credentials ? credentials : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('error', reject);
        res.on('end', () => {
          if (res.statusCode !== 200) {
            reject(new Error(`etcd answered HTTP ${res.statusCode} to ${url.pathname}: ${body.slice(0, 200)}`));
            return;
          }
          try {
            resolve(JSON.parse(body) as StatusResponse);
          } catch {
            reject(new Error(`etcd's answer to ${url.pathname} is not JSON: ${body.slice(0, 200)}`));
          }
        });
      },
    );
    req.on('error', (err) =>
      reject(err.name === 'AbortError' ? new Error(`no answer from ${clientURL} within ${timeoutMs} ms`) : err),
    );
    req.end('{}');
  });
}
