// How gardenos's own processes reach the local platform's PostgreSQL and Patroni REST APIs: over TLS,
// checked by the platform's CA, when postgres.tls is on (the default); plain when it is off.
import type { TlsMaterial } from '../net/http.js';
import { PatroniClient } from '../patroni/client.js';
import { PatroniClusterReader, type ClusterReader } from '../patroni/cluster-reader.js';
import { patroniApis } from '../render/topology.js';
import type { PgSsl } from '../runtime/index.js';
import type { Spec } from '../spec/index.js';
import { localServerCa } from './certs.js';
import { layoutOf } from './layout.js';

/** The CA to check PostgreSQL's and the REST APIs' certificates by; undefined when they serve none. */
export function localHttpTls(spec: Spec): TlsMaterial | undefined {
  const server = localServerCa(spec, layoutOf(spec.local.stateDir).certsDir);
  return server ? { ca: server.ca } : undefined;
}

/** TLS for a PostgreSQL session (verify-full: the CA, and the address in the certificate). */
export function localPgSsl(spec: Spec): PgSsl {
  const tls = localHttpTls(spec);
  return tls ? { ca: tls.ca } : {};
}

/**
 * The one cluster reader, for the local target: every node's REST API, or only `nodes`. The CA is
 * read when first needed and kept: a reader made before `up` creates the CA still finds it.
 */
export function localClusterReader(spec: Spec, timeoutMs: number, nodes?: readonly string[]): ClusterReader {
  let http: TlsMaterial | undefined;
  const apis = patroniApis(spec).filter((a) => !nodes || nodes.includes(a.name));
  return new PatroniClusterReader(apis, timeoutMs, (apiUrl, t) => {
    http ??= localHttpTls(spec);
    return new PatroniClient(apiUrl, undefined, t, http).cluster();
  });
}
