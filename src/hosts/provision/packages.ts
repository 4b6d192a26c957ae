// Debian packages on a host: what its roles need, and one idempotent script that installs only what is
// missing, without letting Debian start its own etcd, HAProxy or a PostgreSQL cluster on our ports.
import { GardenError } from '../../errors.js';
import { monitoringOn, runsPgbackrestServer, type HostConfig, type Spec } from '../../spec/index.js';
import { shellQuote, type HostShell } from '../ssh.js';

export function packagesFor(spec: Spec, host: HostConfig): string[] {
  const has = (r: HostConfig['roles'][number]) => host.roles.includes(r);
  const v = spec.postgres.version;
  const monitoring = monitoringOn(spec, host);
  return [
    // Every host: TLS roots, ss/ip, and node for gardenos's router and supervisor.
    'ca-certificates',
    'iproute2',
    'nodejs',
    ...(has('etcd') ? ['etcd-server', 'etcd-client'] : []),
    ...(has('postgres') ? [`postgresql-${v}`, `postgresql-client-${v}`, 'patroni'] : []),
    // pgBackRest where its TLS server runs: the PostgreSQL hosts and the repository host.
    ...(runsPgbackrestServer(spec, host) ? ['pgbackrest'] : []),
    ...(has('haproxy') ? ['haproxy'] : []),
    ...(has('haproxy') && spec.router.enabled && spec.pooler.enabled ? ['pgbouncer'] : []),
    ...(has('k3s-server') && spec.k3s?.enabled ? ['curl'] : []),
    ...(monitoring.prometheus ? ['prometheus'] : []),
    ...(monitoring.postgresExporter ? ['prometheus-postgres-exporter'] : []),
  ];
}

/** Debian units for packages gardenos runs under its own units: left enabled, they would take our ports at the next boot. */
export const DEBIAN_UNITS_TO_DISABLE = [
  'etcd.service',
  'haproxy.service',
  'patroni.service',
  'pgbouncer.service',
  'prometheus.service',
  'prometheus-postgres-exporter.service',
];

/**
 * Prints `missing=<list>` then, after installing, `installed=<list>`. Debian's postinst scripts would
 * start etcd, HAProxy, PgBouncer, Prometheus and its PostgreSQL exporter with their default configs and create a `main` PostgreSQL cluster on 5432:
 * a policy-rc.d (ours only if none exists) stops the starts, createcluster.conf the cluster.
 */
export function installScript(packages: readonly string[], init: 'systemd' | 'supervisor'): string {
  const list = packages.map(shellQuote).join(' ');
  return [
    'set -e',
    `missing=""; for p in ${list}; do dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"; done`,
    'echo "missing=$missing"',
    '[ -z "$missing" ] && exit 0',
    'if [ ! -e /etc/postgresql-common/createcluster.conf ]; then mkdir -p /etc/postgresql-common; echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf; fi',
    'ours=""; if [ ! -e /usr/sbin/policy-rc.d ]; then printf "#!/bin/sh\\nexit 101\\n" > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; ours=1; fi',
    'trap \'[ -n "$ours" ] && rm -f /usr/sbin/policy-rc.d\' EXIT',
    'export DEBIAN_FRONTEND=noninteractive',
    'apt-get update -q >/dev/null',
    'apt-get install -y -q -o Dpkg::Options::=--force-confold $missing >/dev/null',
    ...(init === 'systemd' ? [`systemctl disable --now ${DEBIAN_UNITS_TO_DISABLE.join(' ')} 2>/dev/null || true`] : []),
    'echo "installed=$missing"',
  ].join('\n');
}

export interface PackageResult {
  missing: string[];
  installed: string[];
}

export function parsePackageOutput(stdout: string): PackageResult {
  const list = (key: string) => (new RegExp(`^${key}=(.*)$`, 'm').exec(stdout)?.[1] ?? '').split(' ').filter(Boolean);
  return { missing: list('missing'), installed: list('installed') };
}

export async function ensurePackages(
  shell: HostShell,
  packages: readonly string[],
  init: 'systemd' | 'supervisor',
  dryRun: boolean,
): Promise<PackageResult> {
  if (dryRun) {
    const check = `for p in ${packages.map(shellQuote).join(' ')}; do dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf ' %s' "$p"; done; echo`;
    const r = await shell.exec(`printf missing=; ${check}`, { timeoutMs: 20_000, readOnly: true });
    return { missing: parsePackageOutput(r.stdout).missing, installed: [] };
  }
  const r = await shell.exec(installScript(packages, init), { sudo: true, timeoutMs: 900_000 });
  const result = parsePackageOutput(r.stdout);
  if (r.code !== 0) {
    const tail = r.stderr.trim().split('\n').slice(-4).join(' / ');
    throw new GardenError(
      'HOST_COMMAND_FAILED',
      `Installing ${result.missing.join(', ') || 'packages'} on host "${shell.target.name}" failed: ${tail || `exit ${r.code}`}.`,
      {
        hint: `the host needs Debian 12 with working apt sources and network access to them; try \`sudo apt-get update\` on ${shell.target.address} and run provision again (it resumes)`,
      },
    );
  }
  return result;
}
