// The local platform's private CA: for etcd (spec.etcd.scheme https, the default) one certificate per
// etcd member (server and peer) and one per kind of client (Patroni, the router, gardenos itself), so
// each process holds only its own key; for PostgreSQL and Patroni's REST API (postgres.tls other than
// off, required by default) one server certificate per node, which both of the node's listeners serve. etcd requires a client certificate signed by this CA on client
// and peer links, and every key is 0600, owned by the one user that presents it: another local user
// cannot read a key, so cannot write to the DCS (and through Patroni's config key run commands as
// postgres). The CA key stays with gardenos (0600, the invoking user), never handed to a component.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EtcdTlsFiles } from '../render/index.js';
import type { OsUser } from '../runtime/os-user.js';
import type { RunAs } from './run-as.js';
import { ensurePki, type LeafRequest, type PkiFiles, type PkiResult } from '../runtime/pki.js';
import type { Spec } from '../spec/index.js';
import { pgTlsOn } from '../render/topology.js';

/** Who presents a certificate to etcd: a member (server and peer), or one kind of client. */
export type EtcdIdentity = { member: string } | 'patroni' | 'router' | 'gardenos' | 'prometheus';
/** Who presents a certificate: one of etcd's identities, or a node's PostgreSQL and REST API. */
export type CertIdentity = EtcdIdentity | { node: string } | 'pgbouncer';

export interface LocalPki {
  dir: string;
  caFile: string;
  files(who: CertIdentity): PkiFiles;
}

export function localPkiAt(certsDir: string): LocalPki {
  return {
    dir: certsDir,
    caFile: join(certsDir, 'ca.crt'),
    files: (who) => {
      const base = typeof who === 'string' ? who : 'member' in who ? `etcd-${who.member}` : `pg-${who.node}`;
      return { certFile: join(certsDir, `${base}.crt`), keyFile: join(certsDir, `${base}.key`) };
    },
  };
}

/** The CA and the certificate one process presents to etcd (or, for a member, serves with). */
export function etcdTlsFiles(certsDir: string, who: EtcdIdentity): EtcdTlsFiles {
  const pki = localPkiAt(certsDir);
  return { caFile: pki.caFile, ...pki.files(who) };
}

/** The certificate a node's PostgreSQL and Patroni REST API serve, with the CA clients check it by. */
export function nodeTlsFiles(certsDir: string, node: string): EtcdTlsFiles {
  const pki = localPkiAt(certsDir);
  return { caFile: pki.caFile, ...pki.files({ node }) };
}

/** renderPatroniConfig's serverTls for a node: its certificate when postgres.tls is not off (up and restore). */
export function patroniServerTls(spec: Spec, certsDir: string, node: string): { serverTls?: EtcdTlsFiles } {
  return pgTlsOn(spec) ? { serverTls: nodeTlsFiles(certsDir, node) } : {};
}

/** Whether this platform has any certificate to make: etcd over https, or PostgreSQL with TLS. */
export function needsLocalPki(spec: Spec): boolean {
  return spec.etcd.scheme === 'https' || pgTlsOn(spec);
}

/**
 * Creates what is missing or no longer fits. As root, each key belongs to the user that presents it:
 * Patroni's and the nodes' to postgres, the etcd members' and the router's to gardenos; gardenos's own
 * key and the CA's stay root's, readable by no component.
 */
export function ensureLocalPki(spec: Spec, certsDir: string, runAs?: RunAs): PkiResult {
  const pgUser = runAs?.postgres;
  const infra = runAs?.infra;
  const pki = localPkiAt(certsDir);
  const address = spec.local.bindAddress;
  const sans = [`IP:${address}`, 'IP:127.0.0.1', 'DNS:localhost'];
  const client = (kind: 'patroni' | 'router' | 'gardenos' | 'prometheus', owner?: OsUser): LeafRequest => ({
    id: kind,
    files: pki.files(kind),
    cn: `gardenos-${kind}`,
    sans: [],
    usage: 'clientAuth',
    ...(owner ? { owner } : {}),
  });
  return ensurePki({
    dir: certsDir,
    // Patroni (the PostgreSQL user) must reach its own key in here; each key is 0600 on its own.
    dirMode: 0o755,
    caFile: pki.caFile,
    caName: `gardenos ${spec.name} local CA`,
    what: 'the TLS certificates of the local platform',
    leaves: [
      ...(spec.etcd.scheme === 'https'
        ? [
            ...spec.etcd.members.map((m) => ({
              id: `etcd-${m.name}`,
              files: pki.files({ member: m.name }),
              cn: `gardenos-etcd-${m.name}`,
              sans,
              usage: 'serverAuth,clientAuth',
              ...(infra ? { owner: infra } : {}),
            })),
            client('patroni', pgUser),
            client('router', infra),
            client('gardenos'),
            // Prometheus reads etcd's /metrics on the client port, as the router's user (no new reader of the DCS).
            ...(spec.monitoring.enabled ? [client('prometheus', infra)] : []),
          ]
        : []),
      // PostgreSQL and Patroni run as the PostgreSQL user, and read the key themselves.
      ...(pgTlsOn(spec)
        ? spec.nodes.map((n): LeafRequest => ({
            id: `pg-${n.name}`,
            files: pki.files({ node: n.name }),
            cn: `gardenos-pg-${n.name}`,
            sans,
            usage: 'serverAuth',
            ...(pgUser ? { owner: pgUser } : {}),
          }))
        : []),
      // PgBouncer (the infrastructure user) terminates its clients' TLS on the pooled endpoint.
      ...(pgTlsOn(spec) && spec.pooler.enabled
        ? [
            {
              id: 'pgbouncer',
              files: pki.files('pgbouncer'),
              cn: 'gardenos-pgbouncer',
              sans,
              usage: 'serverAuth',
              ...(infra ? { owner: infra } : {}),
            },
          ]
        : []),
    ],
  });
}

/**
 * The CA a client checks PostgreSQL's and the REST API's certificates by, when the platform serves
 * TLS; undefined when postgres.tls is off, or before the first `up` made it (nothing serves yet).
 */
export function localServerCa(spec: Spec, certsDir: string): { ca: Buffer; caFile: string } | undefined {
  if (!pgTlsOn(spec)) return undefined;
  const caFile = localPkiAt(certsDir).caFile;
  return existsSync(caFile) ? { ca: readFileSync(caFile), caFile } : undefined;
}
