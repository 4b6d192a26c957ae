// Health, leadership and version of each etcd member, asked of each member directly.
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import { readFileSync } from 'node:fs';

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

/** An etcd3 client that fails fast: no retries, no circuit breaker, a deadline on every call. */
export function fastEtcdClient(hosts: string | string[], timeoutMs = 2000, tls?: EtcdTls): Etcd3 {
  return new Etcd3({
    hosts,
    ...(tls
      ? {
          credentials: {
            rootCertificate: readFileSync(tls.caFile),
            certChain: readFileSync(tls.certFile),
            privateKey: readFileSync(tls.keyFile),
          },
        }
      : {}),
    dialTimeout: timeoutMs,
    // A member cut off by the network sends no RST: without HTTP/2 pings a watch on it would hang for
    // the kernel's retransmission timeout (minutes), with the leader key changing elsewhere. etcd
    // accepts pings every 5 s or slower (--grpc-keepalive-min-time) while a stream is open.
    grpcOptions: {
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 0,
    },
    faultHandling: { host: () => noop, global: noop },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeoutMs }),
  });
}

export async function etcdMembersStatus(
  endpoints: EtcdEndpoint[],
  timeoutMs = 2000,
  tls?: EtcdTls,
): Promise<EtcdMemberStatus[]> {
  return Promise.all(
    endpoints.map(async (ep) => {
      const client = fastEtcdClient(ep.clientURL, timeoutMs, tls);
      try {
        const status = await client.maintenance.status();
        const leaderKnown = status.leader !== '0';
        return {
          name: ep.name,
          clientURL: ep.clientURL,
          healthy: leaderKnown,
          isLeader: leaderKnown && status.leader === status.header.member_id,
          version: status.version,
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
      } finally {
        client.close();
      }
    }),
  );
}
