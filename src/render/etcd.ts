// Renders the command-line flags of one etcd member (static bootstrap of the whole cluster).
import type { Spec } from '../spec/index.js';
import { etcdClientUrl, etcdPeerUrl, type EtcdMemberAt, type Topology } from './topology.js';

export interface EtcdTlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface EtcdMemberInput {
  spec: Spec;
  topology: Topology;
  member: EtcdMemberAt;
  dataDir: string;
  /** Needed when spec.etcd.scheme is https. */
  tls?: EtcdTlsFiles;
  /** More client URLs to listen on (not advertised): the hosts target adds loopback for tools on the host. */
  extraListenClientUrls?: readonly string[];
}

export function renderEtcdArgs({
  spec,
  topology,
  member,
  dataDir,
  tls,
  extraListenClientUrls = [],
}: EtcdMemberInput): string[] {
  const clientUrl = etcdClientUrl(spec, member);
  const peerUrl = etcdPeerUrl(spec, member);
  const args = [
    `--name=${member.name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${[clientUrl, ...extraListenClientUrls].join(',')}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${topology.etcd.map((m) => `${m.name}=${etcdPeerUrl(spec, m)}`).join(',')}`,
    // Ignored by etcd once the data dir exists, so restarts rejoin instead of re-bootstrapping.
    '--initial-cluster-state=new',
    `--initial-cluster-token=gardenos-${spec.name}`,
    // Patroni's etcd3 client and our router watch keys; compaction keeps the db small under churn.
    '--auto-compaction-mode=revision',
    '--auto-compaction-retention=10000',
    '--logger=zap',
    '--log-outputs=stderr',
  ];
  if (spec.etcd.scheme === 'https') {
    if (!tls) throw new Error('renderEtcdArgs: https needs TLS files');
    args.push(
      `--cert-file=${tls.certFile}`,
      `--key-file=${tls.keyFile}`,
      `--trusted-ca-file=${tls.caFile}`,
      '--client-cert-auth',
      `--peer-cert-file=${tls.certFile}`,
      `--peer-key-file=${tls.keyFile}`,
      `--peer-trusted-ca-file=${tls.caFile}`,
      '--peer-client-cert-auth',
    );
  }
  return args;
}
