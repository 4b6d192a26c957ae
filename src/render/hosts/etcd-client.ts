// How every client of the hosts' etcd reaches it (Patroni, the router, K3s, gardenos itself): one function.
import type { HostConfig, Spec } from '../../spec/index.js';
import type { EtcdTlsFiles } from '../etcd.js';
import { etcdClientUrl, hostsTopology } from '../topology.js';
import { HOST_PATHS, type TlsReader } from './paths.js';

export interface EtcdClientAccess {
  /** https://<private address>:2379 of every etcd host, in spec order. */
  urls: string[];
  tls: EtcdTlsFiles;
}

/**
 * The etcd client URLs and TLS files for a client whose certificate and key are `tls` (etcd checks
 * client certificates, so every client presents one signed by the hosts' CA).
 */
export function etcdClientAccess(spec: Spec, tls: EtcdTlsFiles): EtcdClientAccess {
  return { urls: hostsTopology(spec).etcd.map((m) => etcdClientUrl(spec, m)), tls };
}

/**
 * The same for a service on a host: the host's CA and certificate, and the key copy its user can read.
 * With `on`, that host's own etcd member comes first: a client that keeps to the order (Patroni with
 * use_proxies) then watches its own member, so when a network cut takes another host and its member,
 * this client's view of the DCS stays current instead of waiting for a dead connection to time out.
 */
export function hostEtcdClient(spec: Spec, reader: TlsReader, on?: HostConfig): EtcdClientAccess {
  const access = etcdClientAccess(spec, {
    caFile: HOST_PATHS.tls.ca,
    certFile: HOST_PATHS.tls.cert,
    keyFile: HOST_PATHS.tls.key(reader),
  });
  const own = on && hostsTopology(spec).etcd.find((m) => m.name === on.name);
  if (!own) return access;
  const first = etcdClientUrl(spec, own);
  return { ...access, urls: [first, ...access.urls.filter((u) => u !== first)] };
}

/** host:port of each URL, for configs that take the scheme separately (Patroni's etcd3.hosts). */
export function hostPorts(access: EtcdClientAccess): string[] {
  return access.urls.map((u) => new URL(u).host);
}
