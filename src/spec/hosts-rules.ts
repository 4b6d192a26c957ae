// Rules of the hosts target: unique hosts, a pinned key for each, roles that make a cluster, free ports per host.
import { isIPv4 } from 'node:net';
import { hostKeyProblem } from './hosts-schema.js';
import { hostPorts, hostsWithRole, type HostConfig, type Spec } from './resolve.js';
import type { SpecPath, SpecProblem } from './rules.js';

/**
 * Keys a hosts spec must not set, checked on the file as written: with hosts, nodes and etcd members
 * come from the hosts' roles, and etcd always speaks TLS.
 */
export function checkHostsInput(raw: unknown): SpecProblem[] {
  if (!isRecord(raw)) return [];
  if (raw.hosts === undefined) {
    return [
      ...(isRecord(raw.backup) && raw.backup.repoHost !== undefined
        ? [
            {
              path: ['backup', 'repoHost'],
              message: 'backup.repoHost names the host that keeps the repository, and this spec has no hosts',
              hint: 'remove backup.repoHost (on one machine the repository is backup.repoPath), or add a hosts section',
            },
          ]
        : []),
      ...(isRecord(raw.monitoring) && raw.monitoring.host !== undefined
        ? [
            {
              path: ['monitoring', 'host'],
              message: 'monitoring.host names the host that runs Prometheus, and this spec has no hosts',
              hint: 'remove monitoring.host (on one machine Prometheus runs beside the platform), or add a hosts section',
            },
          ]
        : []),
    ];
  }
  const problems: SpecProblem[] = [];
  if (raw.nodes !== undefined) {
    problems.push({
      path: ['nodes'],
      message: 'with hosts, the PostgreSQL nodes are the hosts with the postgres role; nodes cannot be set as well',
      hint: 'remove nodes, and give the postgres role (or all roles, the default) to the hosts that should run PostgreSQL',
    });
  }
  const etcd = isRecord(raw.etcd) ? raw.etcd : {};
  if (etcd.members !== undefined) {
    problems.push({
      path: ['etcd', 'members'],
      message: 'with hosts, the etcd members are the hosts with the etcd role; etcd.members cannot be set as well',
      hint: 'remove etcd.members, and give the etcd role to an odd number of hosts (3 is usual)',
    });
  }
  if (etcd.scheme === 'http') {
    problems.push({
      path: ['etcd', 'scheme'],
      message:
        'on the hosts target etcd speaks TLS on every client and peer link; plain http between servers is refused',
      hint: 'remove etcd.scheme: gardenos generates the CA and certificates and gives every client the same https URLs',
    });
  }
  const postgres = isRecord(raw.postgres) ? raw.postgres : {};
  if (postgres.tls !== undefined && postgres.tls !== 'required') {
    problems.push({
      path: ['postgres', 'tls'],
      message:
        'on the hosts target PostgreSQL and the Patroni REST API accept TCP connections only over TLS; plaintext between servers is refused',
      hint: 'remove postgres.tls: gardenos generates the certificates and every client it configures connects with TLS',
    });
  }
  if (isRecord(raw.local) && raw.local.bindAddress !== undefined) {
    problems.push({
      path: ['local', 'bindAddress'],
      message:
        "local.bindAddress is for the one-machine platform; on the hosts target each service listens on its host's address",
      hint: 'remove local.bindAddress, or remove hosts to run the platform on this machine',
    });
  }
  return problems;
}

export function checkHostsRules(spec: Spec): SpecProblem[] {
  const hosts = spec.hosts;
  if (!hosts) return [];
  return [
    ...unique(hosts, 'name', (h) => [h.name]),
    ...unique(hosts, 'address', (h) => [h.address, ...(h.publicAddress ? [h.publicAddress] : [])]),
    ...hosts.flatMap((h, i) => hostAddressProblems(h, i)),
    ...hosts.flatMap((h, i) => hostKeyProblems(h, i)),
    ...roleProblems(spec),
    ...hosts.flatMap((h, i) => portProblems(spec, h, i)),
    ...repoHostProblems(spec),
    ...monitoringHostProblems(spec),
  ];
}

function monitoringHostProblems(spec: Spec): SpecProblem[] {
  if (spec.monitoring.alertmanager.enabled) {
    return [
      {
        path: ['monitoring', 'alertmanager', 'enabled'],
        message:
          'monitoring.alertmanager runs on the local target only: provision does not install Alertmanager on hosts yet',
        hint: 'leave monitoring.alertmanager out of a hosts spec; `gardenos status` and `gardenos doctor` show the firing alerts there',
      },
    ];
  }
  const host = spec.monitoring.host;
  if (host === undefined || spec.hosts?.some((h) => h.name === host)) return [];
  return [
    {
      path: ['monitoring', 'host'],
      message: `monitoring.host is "${host}", which is not a host of this spec`,
      hint: `name one of the hosts: ${(spec.hosts ?? []).map((h) => h.name).join(', ')}, or leave it out to run Prometheus on the first haproxy host`,
    },
  ];
}

function repoHostProblems(spec: Spec): SpecProblem[] {
  const repoHost = spec.backup?.repoHost;
  if (repoHost === undefined || spec.hosts?.some((h) => h.name === repoHost)) return [];
  return [
    {
      path: ['backup', 'repoHost'],
      message: `backup.repoHost is "${repoHost}", which is not a host of this spec`,
      hint: `name one of the hosts: ${(spec.hosts ?? []).map((h) => h.name).join(', ')}`,
    },
  ];
}

function unique(
  hosts: readonly HostConfig[],
  key: 'name' | 'address',
  values: (h: HostConfig) => string[],
): SpecProblem[] {
  const seen = new Map<string, string>();
  const problems: SpecProblem[] = [];
  hosts.forEach((h, i) => {
    for (const v of values(h)) {
      const other = seen.get(v);
      if (other !== undefined) {
        const field = key === 'address' && v === h.publicAddress ? 'publicAddress' : key;
        problems.push({
          path: ['hosts', i, field],
          message: `${key} ${v} is used by both host "${other}" and host "${h.name}"`,
          hint:
            key === 'name'
              ? 'give every host a unique name'
              : 'every host needs its own address: check for a copy-paste slip',
        });
      } else seen.set(v, h.name);
    }
  });
  return problems;
}

/** Addresses a server cannot be reached at from its peers. */
function unusableAddress(address: string): string | undefined {
  if (!isIPv4(address)) return undefined;
  const [a, b] = address.split('.').map(Number) as [number, number];
  if (a === 127) return 'is a loopback address: the other hosts would reach themselves';
  if (a === 0) return 'is not a host address';
  if (a >= 224) return 'is a multicast or reserved address, not a host address';
  if (a === 169 && b === 254) return 'is a link-local address, which changes and does not route between hosts';
  return undefined;
}

function hostAddressProblems(h: HostConfig, i: number): SpecProblem[] {
  return (['address', 'publicAddress'] as const).flatMap((field) => {
    const value = h[field];
    const why = value === undefined ? undefined : unusableAddress(value);
    return why
      ? [
          {
            path: ['hosts', i, field],
            message: `${value} ${why}`,
            hint:
              field === 'address'
                ? 'write the private address this host has on the network the hosts share (ip -4 addr on the host)'
                : 'write the address clients on the internet use for this host, or remove publicAddress',
          },
        ]
      : [];
  });
}

function hostKeyProblems(h: HostConfig, i: number): SpecProblem[] {
  const path: SpecPath = ['hosts', i];
  const keyscan = `ssh-keyscan -t ed25519 -p ${h.ssh.port} ${h.address}`;
  if (h.hostKey && h.knownHostsFile) {
    return [
      {
        path: [...path, 'knownHostsFile'],
        message: `host "${h.name}" pins its key twice (hostKey and knownHostsFile)`,
        hint: 'keep one: hostKey for a single line, knownHostsFile for a file you already maintain',
      },
    ];
  }
  // No pin at all is legal in the file: provision refuses the host (HOST_KEY_UNKNOWN, with the key it
  // saw) unless --accept-new-host-key names it, and `spec check` warns (hostsWarnings).
  const problem = h.hostKey ? hostKeyProblem(h.hostKey) : undefined;
  return problem
    ? [
        {
          path: [...path, 'hostKey'],
          message: `host "${h.name}": ${problem}`,
          hint: `the line is the host's /etc/ssh/ssh_host_ed25519_key.pub, or the key part of \`${keyscan}\``,
        },
      ]
    : [];
}

function roleProblems(spec: Spec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const etcd = hostsWithRole(spec, 'etcd').length;
  if (etcd === 0 || etcd % 2 === 0) {
    problems.push({
      path: ['hosts'],
      message:
        etcd === 0
          ? 'no host has the etcd role: Patroni and K3s need etcd'
          : `${etcd} hosts have the etcd role; an even number tolerates no more failures than ${etcd - 1}, and a split can lose quorum`,
      hint:
        etcd === 0
          ? 'give the etcd role to 3 hosts (or 1 for a trial)'
          : `give the etcd role to ${etcd - 1} or ${etcd + 1} hosts`,
    });
  }
  if (hostsWithRole(spec, 'postgres').length === 0) {
    problems.push({
      path: ['hosts'],
      message: 'no host has the postgres role',
      hint: 'give the postgres role to 2 or more hosts (3 is usual)',
    });
  }
  if (hostsWithRole(spec, 'haproxy').length === 0) {
    problems.push({
      path: ['hosts'],
      message: 'no host has the haproxy role, so no endpoint reaches the primary',
      hint: 'give the haproxy role to every host clients connect to (all of them is usual)',
    });
  }
  return problems;
}

function portProblems(spec: Spec, h: HostConfig, i: number): SpecProblem[] {
  const seen = new Map<number, string>();
  const problems: SpecProblem[] = [];
  for (const { path, port, owner } of hostPorts(spec, h)) {
    const other = seen.get(port);
    if (other) {
      problems.push({
        path: path.length > 1 ? path : ['hosts', i],
        message: `on host "${h.name}" port ${port} is used by both ${other} and ${owner}`,
        hint: 'give each component its own port',
      });
    } else seen.set(port, owner);
  }
  if (h.ssh.port !== 22 && seen.has(h.ssh.port)) {
    problems.push({
      path: ['hosts', i, 'ssh', 'port'],
      message: `on host "${h.name}" SSH port ${h.ssh.port} is also used by ${seen.get(h.ssh.port)}`,
      hint: 'SSH needs its own port',
    });
  }
  return problems;
}

/** Legal but weak layouts: `spec check` says them, `up` and `provision` go ahead. */
export function hostsWarnings(spec: Spec): string[] {
  if (!spec.hosts) return [];
  const pg = hostsWithRole(spec, 'postgres').length;
  const warnings: string[] = [];
  if (pg === 1)
    warnings.push('only one host has the postgres role: there is no failover; give it to 2 or more hosts for HA');
  if (hostsWithRole(spec, 'etcd').length === 1)
    warnings.push('only one host has the etcd role: losing it stops every leader election and K3s');
  for (const h of spec.hosts) {
    if (!h.hostKey && !h.knownHostsFile) {
      warnings.push(
        `host "${h.name}" has no pinned SSH host key: provision refuses it until you set hostKey (its /etc/ssh/ssh_host_ed25519_key.pub line, ` +
          `or \`ssh-keyscan -t ed25519 -p ${h.ssh.port} ${h.address}\` over a network you trust), or run \`gardenos provision --accept-new-host-key ${h.name}\` once to record the key it sees`,
      );
    }
  }
  return warnings;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
