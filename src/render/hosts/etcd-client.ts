// How every client of the hosts' etcd reaches it (Patroni, the router, K3s, gardenos itself): one function.
import type { Spec } from '../../spec/index.js';
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

/** The same for a service on a host: the host's CA and certificate, and the key copy its user can read. */
export function hostEtcdClient(spec: Spec, reader: TlsReader): EtcdClientAccess {
  return etcdClientAccess(spec, {
    caFile: HOST_PATHS.tls.ca,
    certFile: HOST_PATHS.tls.cert,
    keyFile: HOST_PATHS.tls.key(reader),
  });
}

/** host:port of each URL, for configs that take the scheme separately (Patroni's etcd3.hosts). */
export function hostPorts(access: EtcdClientAccess): string[] {
  return access.urls.map((u) => new URL(u).host);
}
