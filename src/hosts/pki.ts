// The hosts target's private CA and certificates, kept in the operator's state dir (<stateDir>/hosts/pki/):
// one per host (SANs: its addresses), the operator's, PostgreSQL's endpoint certificate. Made and
// reused by runtime/pki.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostTlsMaterial } from '../render/hosts/index.js';
import { ensurePki, runOpenssl, type LeafRequest, type OpensslRunner, type PkiFiles } from '../runtime/pki.js';
import { ROLE_NAMES, type HostConfig, type Spec } from '../spec/index.js';

export { CA_DAYS, CERT_DAYS, runOpenssl, type OpensslRunner, type PkiFiles } from '../runtime/pki.js';

export interface HostsPki {
  dir: string;
  caFile: string;
  host(name: string): PkiFiles;
  /** gardenos's own client certificate, for talking to the hosts' etcd from the operator's machine. */
  operator: PkiFiles;
  /** PostgreSQL's server certificate on every postgres host (clients come through any HAProxy). */
  endpoint: PkiFiles;
  /** PgBouncer's client certificate (CN gardenos_pooler): its auth role logs in by it. */
  pooler: PkiFiles;
}

export function hostsPkiDir(stateDir: string): string {
  return join(stateDir, 'hosts', 'pki');
}

export function hostsPkiAt(dir: string): HostsPki {
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    host: (name) => ({ certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) }),
    operator: { certFile: join(dir, 'operator.crt'), keyFile: join(dir, 'operator.key') },
    endpoint: { certFile: join(dir, 'postgres-endpoint.crt'), keyFile: join(dir, 'postgres-endpoint.key') },
    pooler: { certFile: join(dir, 'pgbouncer-client.crt'), keyFile: join(dir, 'pgbouncer-client.key') },
  };
}

/** The SANs of a host's certificate: what etcd peers, Patroni, PostgreSQL clients and HAProxy connect to. */
export function hostSans(host: HostConfig): string[] {
  return [
    `IP:${host.address}`,
    ...(host.publicAddress ? [`IP:${host.publicAddress}`] : []),
    'IP:127.0.0.1',
    `DNS:${host.name}`,
    // pgBackRest (2.45, Debian 12) matches the host it connects to only against the CN and DNS names,
    // never IP SANs: the private address as a DNS name too lets its TLS links verify the host.
    `DNS:${host.address}`,
  ];
}

/**
 * The SANs of PostgreSQL's certificate: a client connects to some HAProxy host and is served by the
 * leader, wherever it runs, so the certificate names every haproxy host's addresses, loopback, and the
 * Service names the Kubernetes apps use (`<name>-primary`, `<name>-replicas`).
 */
export function endpointSans(spec: Spec): string[] {
  const addresses = (spec.hosts ?? [])
    .filter((h) => h.roles.includes('haproxy'))
    .flatMap((h) => [h.address, ...(h.publicAddress ? [h.publicAddress] : [])]);
  // PgBouncer connects to the leader's own address and checks the certificate names it (verify-full).
  const servers = (spec.hosts ?? []).filter((h) => h.roles.includes('postgres')).map((h) => h.address);
  return [
    ...[...new Set([...addresses, ...servers])].map((a) => `IP:${a}`),
    'IP:127.0.0.1',
    `DNS:${spec.name}-primary`,
    `DNS:${spec.name}-replicas`,
  ];
}

export interface EnsureResult {
  pki: HostsPki;
  issued: string[];
  reused: string[];
}

/** Creates what is missing or no longer fits: the CA, one certificate per host, the operator's. */
export function ensureHostsPki(
  spec: Spec,
  dir: string,
  openssl: OpensslRunner = runOpenssl,
  now = Date.now(),
): EnsureResult {
  const pki = hostsPkiAt(dir);
  const leaves: LeafRequest[] = [
    ...(spec.hosts ?? []).map((h) => ({
      id: h.name,
      files: pki.host(h.name),
      cn: h.name,
      sans: hostSans(h),
      usage: 'serverAuth,clientAuth',
    })),
    { id: 'operator', files: pki.operator, cn: 'gardenos-operator', sans: [], usage: 'clientAuth' },
    {
      id: 'postgres-endpoint',
      files: pki.endpoint,
      cn: `${spec.name}-postgres`,
      sans: endpointSans(spec),
      usage: 'serverAuth',
    },
    { id: 'pgbouncer-client', files: pki.pooler, cn: ROLE_NAMES.pooler, sans: [], usage: 'clientAuth' },
  ];
  const r = ensurePki(
    { dir, caFile: pki.caFile, caName: `gardenos ${spec.name} CA`, leaves, what: "the hosts' TLS certificates" },
    openssl,
    now,
  );
  return { pki, ...r };
}

/** The PEM texts one host gets (its key is copied to the host, it never leaves the render otherwise). */
export function readHostTls(pki: HostsPki, host: string): HostTlsMaterial {
  const files = pki.host(host);
  return {
    caCert: readFileSync(pki.caFile, 'utf8'),
    cert: readFileSync(files.certFile, 'utf8'),
    key: readFileSync(files.keyFile, 'utf8'),
    endpointCert: readFileSync(pki.endpoint.certFile, 'utf8'),
    endpointKey: readFileSync(pki.endpoint.keyFile, 'utf8'),
    poolerCert: readFileSync(pki.pooler.certFile, 'utf8'),
    poolerKey: readFileSync(pki.pooler.keyFile, 'utf8'),
  };
}
