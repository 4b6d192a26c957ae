// etcd over https on the Kubernetes target: Patroni and the router present a client certificate from
// one Secret (made from k8s.etcdClientTls), mounted read-only; etcd.scheme http renders none of it.
import { GardenError } from '../../errors.js';
import type { Spec } from '../../spec/index.js';
import { ETCD_TLS_DIR, ETCD_TLS_FILES, namesOf, type K8sInput } from './meta.js';

export function usesEtcdTls(spec: Spec): boolean {
  return spec.etcd.scheme === 'https';
}

/** Refuses https without the client certificate's files: Patroni would only fail its handshakes in the pod. */
export function assertEtcdTlsInput(input: K8sInput): void {
  if (!usesEtcdTls(input.spec) || input.etcdTls) return;
  throw new GardenError(
    'RENDER_INPUT',
    "etcd.scheme is https (the default), but k8s.etcdClientTls names no client certificate: Patroni and the router on Kubernetes need the etcd cluster's CA and a certificate it accepts.",
    {
      hint: 'set k8s: { etcdClientTls: { caFile: ca.crt, certFile: client.crt, keyFile: client.key } } (PEM files, relative to the spec), or etcd.scheme: http for an etcd without TLS, which anyone who reaches it can write to',
    },
  );
}

/** The Secret's volume and its read-only mount, for a pod spec's volumes and a container's volumeMounts. */
export function etcdTlsVolume(spec: Spec): { volumes: object[]; mounts: object[] } {
  if (!usesEtcdTls(spec)) return { volumes: [], mounts: [] };
  return {
    // 0444 in the container: Patroni and the router run as a non-root uid, and nothing else runs there.
    volumes: [{ name: 'etcd-tls', secret: { secretName: namesOf(spec).etcdClientSecret, defaultMode: 0o444 } }],
    mounts: [{ name: 'etcd-tls', mountPath: ETCD_TLS_DIR, readOnly: true }],
  };
}

/** patroni.yml's etcd3 TLS keys. */
export function patroniEtcdTls(spec: Spec): Record<string, string> {
  return usesEtcdTls(spec)
    ? { cacert: ETCD_TLS_FILES.caFile, cert: ETCD_TLS_FILES.certFile, key: ETCD_TLS_FILES.keyFile }
    : {};
}

/** The router's flags for the same files. */
export function routerEtcdTlsArgs(spec: Spec): string[] {
  return usesEtcdTls(spec)
    ? ['--etcd-ca', ETCD_TLS_FILES.caFile, '--etcd-cert', ETCD_TLS_FILES.certFile, '--etcd-key', ETCD_TLS_FILES.keyFile]
    : [];
}
