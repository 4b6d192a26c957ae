// The TLS files on a host: the CA, the host's certificate, and one 0600 copy of its key per reading user.
import { publicHostFile, type HostFile, type HostTlsMaterial } from './model.js';
import { HOST_PATHS, HOST_USERS, SERVICE_NAMES, type TlsReader } from './paths.js';
import type { HostComponents } from './components.js';

/** Each reading user's key copy, and the services that read it (Patroni and pgBackRest's server share postgres's). */
const READERS: { reader: TlsReader; owner: string; services: [keyof HostComponents, string][] }[] = [
  { reader: 'etcd', owner: HOST_USERS.etcd, services: [['etcd', SERVICE_NAMES.etcd]] },
  {
    reader: 'postgres',
    owner: HOST_USERS.postgres,
    services: [
      ['patroni', SERVICE_NAMES.patroni],
      ['pgbackrest', SERVICE_NAMES.pgbackrest],
    ],
  },
  { reader: 'router', owner: HOST_USERS.router, services: [['router', SERVICE_NAMES.router]] },
  { reader: 'k3s', owner: HOST_USERS.root, services: [['k3s', SERVICE_NAMES.k3s]] },
  // Prometheus's etcd client certificate is the host's (etcd checks every client's).
  { reader: 'prometheus', owner: HOST_USERS.prometheus, services: [['prometheus', SERVICE_NAMES.prometheus]] },
];

export function renderTlsFiles(components: HostComponents, tls: HostTlsMaterial): HostFile[] {
  const readers = READERS.map((r) => ({
    ...r,
    users: r.services.filter(([runs]) => components[runs]).map(([, service]) => service),
  })).filter((r) => r.users.length > 0);
  if (readers.length === 0 && !components.haproxy) return [];
  const certUsers = readers.flatMap((r) => r.users);
  // HAProxy reads only the CA (it verifies Patroni's certificate in its checks).
  const caUsers = [
    ...certUsers,
    ...(components.haproxy ? [SERVICE_NAMES.haproxy] : []),
    ...(components.pgbouncer ? [SERVICE_NAMES.pgbouncer] : []),
  ];
  const pub = (path: string, content: string, restarts: string[]) => publicHostFile(path, content, sorted(restarts));
  const secretOf = (path: string, content: string, owner: string, restarts: string[]): HostFile => ({
    path,
    content,
    mode: 0o600,
    owner,
    group: owner,
    secret: true,
    restarts,
  });
  const pooler = components.pgbouncer ? [SERVICE_NAMES.pgbouncer] : [];
  const endpointUsers = [...(components.patroni ? [SERVICE_NAMES.patroni] : []), ...pooler];
  return [
    pub(HOST_PATHS.tls.ca, tls.caCert, caUsers),
    ...(readers.length > 0 ? [pub(HOST_PATHS.tls.cert, tls.cert, certUsers)] : []),
    ...readers.map((r): HostFile => ({
      path: HOST_PATHS.tls.key(r.reader),
      content: tls.key,
      mode: 0o600,
      owner: r.owner,
      group: r.owner,
      secret: true,
      restarts: sorted(r.users),
    })),
    ...(endpointUsers.length > 0 ? [pub(HOST_PATHS.tls.endpointCert, tls.endpointCert, endpointUsers)] : []),
    ...(components.patroni
      ? [secretOf(HOST_PATHS.tls.endpointKey, tls.endpointKey, HOST_USERS.postgres, [SERVICE_NAMES.patroni])]
      : []),
    // PgBouncer serves its clients with the endpoint certificate and logs in to PostgreSQL with its own.
    ...(components.pgbouncer
      ? [
          secretOf(HOST_PATHS.tls.poolerEndpointKey, tls.endpointKey, HOST_USERS.pgbouncer, pooler),
          pub(HOST_PATHS.tls.poolerClientCert, tls.poolerCert, pooler),
          secretOf(HOST_PATHS.tls.poolerClientKey, tls.poolerKey, HOST_USERS.pgbouncer, pooler),
        ]
      : []),
  ];
}

function sorted(names: string[]): string[] {
  return [...names].sort();
}
