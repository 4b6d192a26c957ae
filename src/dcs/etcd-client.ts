// The etcd3 client gardenos uses for reads, writes and watches: TLS by client certificate, and fast failure.
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import { readFileSync } from 'node:fs';
import type { EtcdTls } from './etcd-status.js';

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
