// How a command reaches a running platform's members: one narrow interface, two runtimes. On one
// machine everything is plain on the bind address; across hosts Patroni, etcd and PostgreSQL speak
// TLS with the platform's CA and the operator's client certificate. Commands (switchover, failover,
// dcs, doctor) take a PlatformAccess and never ask which target they run on.
import type { Etcd3 } from 'etcd3';
import type pg from 'pg';
import { fastEtcdClient, type EtcdTls } from '../dcs/index.js';
import { etcdTlsFiles, layoutOf, localPoolerControl, localServerCa } from '../local/index.js';
import type { PoolerControl } from '../pooler/index.js';
import { withPg } from '../runtime/index.js';
import type { TlsMaterial } from '../net/http.js';
import { PatroniClient, PatroniClusterReader, type ClusterReader } from '../patroni/index.js';
import {
  ROLE_NAMES,
  etcdClientUrls,
  patroniApis,
  patroniApiUrl,
  type PgAddress,
  type PlatformSecrets,
} from '../render/index.js';
import type { Spec } from '../spec/index.js';

export interface PlatformAccess {
  readonly spec: Spec;
  readonly secrets: PlatformSecrets;
  /** Where the platform's clients write: HAProxy's primary port (on the first haproxy host across hosts). */
  readonly primaryEndpoint: PgAddress;
  /** The CA file PostgreSQL's certificates are signed by, for clients such as psql (sslmode verify-full); none when postgres.tls is off. */
  readonly caFile?: string;
  /** A node's Patroni REST API, authenticated for the calls that change something. */
  patroni(node: string, timeoutMs?: number): PatroniClient;
  /** The one cluster reader, over this target's transport. */
  clusterReader(timeoutMs: number): ClusterReader;
  /** An etcd client of every member; the caller closes it. */
  etcd(timeoutMs: number): Etcd3;
  /** A superuser session on a PostgreSQL server or endpoint (in `database`, default postgres), closed after fn. */
  withPg<T>(at: PgAddress, fn: (c: pg.Client) => Promise<T>, database?: string): Promise<T>;
  /** The pooler in front of the leader (pooler.enabled): paused around planned switchovers. */
  readonly pooler?: PoolerControl;
}

export interface AccessTransport {
  /** CA and client certificate for Patroni's REST API over https. */
  http?: TlsMaterial;
  etcd?: EtcdTls;
  /** CA PostgreSQL's server certificates are checked against (sslmode verify-full on the address), and its file. */
  pgCa?: Buffer;
  caFile?: string;
}

/** Builds a PlatformAccess from the spec, the secrets and the transport material of its target. */
export function platformAccess(
  spec: Spec,
  secrets: PlatformSecrets,
  primaryEndpoint: PgAddress,
  transport: AccessTransport = {},
): PlatformAccess {
  const auth = { username: ROLE_NAMES.restapi, password: secrets.restapiPassword };
  return {
    spec,
    secrets,
    primaryEndpoint,
    ...(transport.caFile ? { caFile: transport.caFile } : {}),
    patroni: (node, timeoutMs = 10_000) =>
      new PatroniClient(patroniApiUrl(spec, node), auth, timeoutMs, transport.http),
    clusterReader: (timeoutMs) =>
      new PatroniClusterReader(patroniApis(spec), timeoutMs, (apiUrl, t) =>
        new PatroniClient(apiUrl, undefined, t, transport.http).cluster(),
      ),
    etcd: (timeoutMs) => fastEtcdClient(etcdClientUrls(spec), timeoutMs, transport.etcd),
    withPg: (at, fn, database) =>
      withPg(spec, secrets, at, fn, {
        ...(transport.pgCa ? { ca: transport.pgCa } : {}),
        ...(database ? { database } : {}),
      }),
  };
}

/**
 * The local target's transport: etcd with gardenos's client certificate when it asks for one;
 * PostgreSQL and the REST APIs checked by the platform's CA when they serve TLS (postgres.tls).
 */
export function localTransport(spec: Spec): AccessTransport {
  const certsDir = layoutOf(spec.local.stateDir).certsDir;
  const etcd = spec.etcd.scheme === 'https' ? etcdTlsFiles(certsDir, 'gardenos') : undefined;
  const server = localServerCa(spec, certsDir);
  return {
    ...(etcd ? { etcd } : {}),
    ...(server ? { http: { ca: server.ca }, pgCa: server.ca, caFile: server.caFile } : {}),
  };
}

/** The local target: every member on the bind address. */
export function localAccess(spec: Spec, secrets: PlatformSecrets): PlatformAccess {
  const access = platformAccess(
    spec,
    secrets,
    { host: spec.local.bindAddress, port: spec.haproxy.primaryPort },
    localTransport(spec),
  );
  const pooler = localPoolerControl(spec);
  return pooler ? { ...access, pooler } : access;
}

/** host:port of the primary endpoint, for messages. */
export function primaryEndpointText(a: PlatformAccess): string {
  return `${a.primaryEndpoint.host}:${a.primaryEndpoint.port}`;
}
