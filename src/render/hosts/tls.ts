// The TLS files on a host: the CA, the host's certificate, and one 0600 copy of its key per reading user.
import type { HostFile, HostTlsMaterial } from './model.js';
import { HOST_PATHS, HOST_USERS, SERVICE_NAMES, type TlsReader } from './paths.js';
import type { HostComponents } from './components.js';

const READERS: { reader: TlsReader; runs: keyof HostComponents; owner: string; service: string }[] = [
  { reader: 'etcd', runs: 'etcd', owner: HOST_USERS.etcd, service: SERVICE_NAMES.etcd },
  { reader: 'postgres', runs: 'patroni', owner: HOST_USERS.postgres, service: SERVICE_NAMES.patroni },
  { reader: 'router', runs: 'router', owner: HOST_USERS.router, service: SERVICE_NAMES.router },
  { reader: 'k3s', runs: 'k3s', owner: HOST_USERS.root, service: SERVICE_NAMES.k3s },
];

export function renderTlsFiles(components: HostComponents, tls: HostTlsMaterial): HostFile[] {
  const readers = READERS.filter((r) => components[r.runs]);
  if (readers.length === 0 && !components.haproxy) return [];
  const certUsers = readers.map((r) => r.service);
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
      restarts: [r.service],
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
