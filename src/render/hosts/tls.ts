// The TLS files on a host: the CA, the host's certificate, and one 0600 copy of its key per reading user.
import type { HostFile, HostTlsMaterial } from './model.js';
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
];

export function renderTlsFiles(components: HostComponents, tls: HostTlsMaterial): HostFile[] {
  const readers = READERS.map((r) => ({
    ...r,
    users: r.services.filter(([runs]) => components[runs]).map(([, service]) => service),
  })).filter((r) => r.users.length > 0);
  if (readers.length === 0 && !components.haproxy) return [];
  const certUsers = readers.flatMap((r) => r.users);
  // HAProxy reads only the CA (it verifies Patroni's certificate in its checks).
  const caUsers = [...certUsers, ...(components.haproxy ? [SERVICE_NAMES.haproxy] : [])];
  const pub = (path: string, content: string, restarts: string[]): HostFile => ({
    path,
    content,
    mode: 0o644,
    owner: 'root',
    group: 'root',
    secret: false,
    restarts: sorted(restarts),
  });
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
    ...(components.patroni
      ? [
          pub(HOST_PATHS.tls.endpointCert, tls.endpointCert, [SERVICE_NAMES.patroni]),
          {
            path: HOST_PATHS.tls.endpointKey,
            content: tls.endpointKey,
            mode: 0o600,
            owner: HOST_USERS.postgres,
            group: HOST_USERS.postgres,
            secret: true,
            restarts: [SERVICE_NAMES.patroni],
          } satisfies HostFile,
        ]
      : []),
  ];
}

function sorted(names: string[]): string[] {
  return [...names].sort();
}
