// Turns a parsed spec into the effective spec: names and every port made concrete.
import type { K8sSettings, RoutingSettings, ServiceSettings, SupabaseSettings } from './app-schema.js';
import type { HostRole, ParsedK3s } from './hosts-schema.js';
import { monitoringPorts } from './hosts-monitoring.js';
import type { ParsedSpec } from './schema.js';
import { deepFreeze } from './freeze.js';

/** The ports a local platform may use, counted from local.basePort. */
export const PORT_SPAN = 50;

export interface NodeConfig {
  readonly name: string;
  readonly pgPort: number;
  readonly apiPort: number;
  readonly nofailover: boolean;
}

export interface EtcdMemberConfig {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
}

export interface Spec {
  readonly name: string;
  readonly nodes: readonly NodeConfig[];
  readonly etcd: {
    readonly members: readonly EtcdMemberConfig[];
    readonly scheme: 'http' | 'https';
    readonly namespace: string;
  };
  readonly postgres: Omit<ParsedSpec['postgres'], 'parameters' | 'allowedClientCidrs' | 'synchronousMode'> & {
    readonly synchronousMode: boolean;
    readonly parameters: Readonly<Record<string, string | number | boolean>>;
    readonly allowedClientCidrs: readonly string[];
  };
  readonly haproxy: {
    readonly primaryPort: number;
    readonly replicaPort: number;
    readonly statsPort: number;
    readonly checkIntervalMs: number;
    readonly fastIntervalMs: number;
    readonly fall: number;
    readonly rise: number;
  };
  readonly router: {
    readonly enabled: boolean;
    readonly reconcileIntervalMs: number;
    readonly port: number;
    /** An nftables DNAT rule from this port to the leader, kept by the router (local target). */
    readonly kernelRoute: { readonly enabled: boolean; readonly port: number };
  };
  readonly pooler: Readonly<ParsedSpec['pooler']> & { readonly port: number };
  readonly monitoring: MonitoringSettings;
  readonly local: {
    readonly stateDir: string;
    readonly basePort: number;
    readonly bindAddress: string;
    readonly serviceUser: string;
  };
  readonly k8s: K8sSettings;
  readonly supabase: SupabaseSettings;
  readonly services: readonly ServiceSettings[];
  readonly routing: RoutingSettings;
  /** Present only when backups are enabled, so specs stored before this field existed still compare equal. */
  readonly backup?: {
    readonly enabled: true;
    readonly repoPath: string;
    readonly retentionFull: number;
    /** Hosts target only: the host that keeps the repository (every other host reaches it over pgBackRest TLS). */
    readonly repoHost?: string;
  };
  /** Present only on the hosts target: the servers, each with what it runs. */
  readonly hosts?: readonly HostConfig[];
  /** Present only on the hosts target. */
  readonly k3s?: Readonly<ParsedK3s>;
}

export interface MonitoringSettings {
  readonly enabled: boolean;
  /** Hosts target only: the host that runs Prometheus (monitoring.host, default the first haproxy host). */
  readonly host?: string;
  readonly prometheusPort: number;
  readonly dashboardPort: number;
  readonly postgresExporterPort: number;
  /** gardenos's own exporter: backup age and the free space of each data dir. */
  readonly exporterPort: number;
  readonly retention: string;
  readonly scrapeIntervalS: number;
  readonly alerts: Readonly<ParsedSpec['monitoring']['alerts']>;
  /** Local target only (the hosts target refuses it). */
  readonly alertmanager: Readonly<ParsedSpec['monitoring']['alertmanager'] & { port: number }>;
}

export interface HostConfig {
  readonly name: string;
  readonly address: string;
  readonly publicAddress?: string;
  readonly ssh: { readonly user: string; readonly port: number; readonly identityFile?: string };
  readonly hostKey?: string;
  readonly knownHostsFile?: string;
  readonly roles: readonly HostRole[];
}

/** Well-known ports on the hosts target: every host has its own addresses, so no base port is needed. */
export const HOST_PORTS = {
  etcdClient: 2379,
  etcdPeer: 2380,
  postgres: 5432,
  patroniApi: 8008,
  haproxyPrimary: 5000,
  haproxyReplica: 5001,
  haproxyStats: 7000,
  router: 8010,
  pooler: 6432,
  /** pgBackRest's TLS server: archive-push to the repository host, backups from it to each PostgreSQL host. */
  pgbackrest: 8432,
  /** Defaults of monitoring.prometheusPort, postgresExporterPort and exporterPort on the hosts target. */
  prometheus: 9090,
  postgresExporter: 9187,
  gardenosExporter: 9188,
} as const;

/** Where the pgBackRest repository lives on its host when backup.repoPath is not set. */
export const HOSTS_BACKUP_REPO = '/var/lib/gardenos/pgbackrest/repo';

/** Whether a host runs pgBackRest's TLS server: every PostgreSQL host and the repository host, with backups on. */
export function runsPgbackrestServer(spec: Spec, host: HostConfig): boolean {
  return spec.backup !== undefined && (host.roles.includes('postgres') || spec.backup.repoHost === host.name);
}

/** Which target the spec describes: `hosts` when it lists servers, else the one-machine platform. */
export function specTarget(spec: Spec): 'local' | 'hosts' {
  return spec.hosts ? 'hosts' : 'local';
}

export function hostsWithRole(spec: Spec, role: HostRole): readonly HostConfig[] {
  return (spec.hosts ?? []).filter((h) => h.roles.includes(role));
}

export function resolveSpec(parsed: ParsedSpec, defaultStateDir: (name: string) => string): Spec {
  const base = parsed.local.basePort;
  type NodeEntry = Exclude<ParsedSpec['nodes'], number>[number];
  type MemberEntry = Exclude<ParsedSpec['etcd']['members'], number>[number];
  if (parsed.hosts) return resolveHostsSpec(parsed, parsed.hosts, defaultStateDir);
  const nodes: NodeEntry[] =
    typeof parsed.nodes === 'number'
      ? Array.from({ length: parsed.nodes }, (_, i) => ({ name: `pg${i + 1}` }))
      : parsed.nodes;
  const members: MemberEntry[] =
    typeof parsed.etcd.members === 'number'
      ? Array.from({ length: parsed.etcd.members }, (_, i) => ({ name: `etcd${i + 1}` }))
      : parsed.etcd.members;
  const spec: Spec = {
    name: parsed.name,
    nodes: nodes.map((n, i) => ({
      name: n.name,
      pgPort: n.pgPort ?? base + 30 + i,
      apiPort: n.apiPort ?? base + 40 + i,
      nofailover: n.nofailover ?? false,
    })),
    etcd: {
      scheme: parsed.etcd.scheme,
      namespace: parsed.etcd.namespace.replace(/\/+$/, '') || '/service',
      members: members.map((m, i) => ({
        name: m.name,
        clientPort: m.clientPort ?? base + 10 + 2 * i,
        peerPort: m.peerPort ?? base + 11 + 2 * i,
      })),
    },
    postgres: {
      version: parsed.postgres.version,
      ttl: parsed.postgres.ttl,
      loopWait: parsed.postgres.loopWait,
      retryTimeout: parsed.postgres.retryTimeout,
      // Two or more nodes: a commit waits for a standby (non-strict, so a lone survivor still takes writes).
      // One node has no standby to wait for.
      synchronousMode: parsed.postgres.synchronousMode ?? nodes.length >= 2,
      synchronousModeStrict: parsed.postgres.synchronousModeStrict,
      maximumLagOnFailover: parsed.postgres.maximumLagOnFailover,
      parameters: parsed.postgres.parameters,
      allowedClientCidrs: parsed.postgres.allowedClientCidrs,
      tls: parsed.postgres.tls,
      superuser: parsed.postgres.superuser,
      app: parsed.postgres.app,
    },
    haproxy: {
      primaryPort: parsed.haproxy.primaryPort ?? base,
      replicaPort: parsed.haproxy.replicaPort ?? base + 1,
      statsPort: parsed.haproxy.statsPort ?? base + 2,
      checkIntervalMs: parsed.haproxy.checkIntervalMs,
      fastIntervalMs: parsed.haproxy.fastIntervalMs ?? Math.max(100, Math.floor(parsed.haproxy.checkIntervalMs / 4)),
      fall: parsed.haproxy.fall,
      rise: parsed.haproxy.rise,
    },
    router: {
      enabled: parsed.router.enabled,
      reconcileIntervalMs: parsed.router.reconcileIntervalMs,
      port: parsed.router.port ?? base + 3,
      kernelRoute: {
        enabled: parsed.router.kernelRoute.enabled,
        port: parsed.router.kernelRoute.port ?? base + 5,
      },
    },
    pooler: { ...parsed.pooler, port: parsed.pooler.port ?? base + 4 },
    monitoring: {
      enabled: parsed.monitoring.enabled,
      prometheusPort: parsed.monitoring.prometheusPort ?? base + 6,
      dashboardPort: parsed.monitoring.dashboardPort ?? base + 7,
      postgresExporterPort: parsed.monitoring.postgresExporterPort ?? base + 8,
      exporterPort: parsed.monitoring.exporterPort ?? base + 24,
      retention: parsed.monitoring.retention,
      scrapeIntervalS: parsed.monitoring.scrapeIntervalS,
      alerts: parsed.monitoring.alerts,
      alertmanager: { ...parsed.monitoring.alertmanager, port: parsed.monitoring.alertmanager.port ?? base + 9 },
    },
    local: {
      stateDir: parsed.local.stateDir ?? defaultStateDir(parsed.name),
      basePort: base,
      bindAddress: parsed.local.bindAddress,
      serviceUser: parsed.local.serviceUser,
    },
    k8s: parsed.k8s,
    supabase: parsed.supabase,
    services: parsed.services,
    routing: parsed.routing,
  };
  if (parsed.backup.enabled) {
    const stateDir = spec.local.stateDir;
    return deepFreeze({
      ...spec,
      backup: {
        enabled: true,
        repoPath: parsed.backup.repoPath ?? `${stateDir}/backup/repo`,
        retentionFull: parsed.backup.retentionFull,
      },
    });
  }
  return deepFreeze(spec);
}

/**
 * The hosts target: nodes are the postgres hosts and etcd members the etcd hosts, each on its own
 * address at the well-known ports; etcd always speaks TLS. The rest is resolved as for one machine.
 */
function resolveHostsSpec(
  parsed: ParsedSpec,
  hosts: NonNullable<ParsedSpec['hosts']>,
  defaultStateDir: (name: string) => string,
): Spec {
  const local = resolveSpec(
    { ...parsed, hosts: undefined, nodes: 1, etcd: { ...parsed.etcd, members: 1 } },
    defaultStateDir,
  );
  const resolved: HostConfig[] = hosts.map((h) => ({
    name: h.name,
    address: h.address,
    ...(h.publicAddress ? { publicAddress: h.publicAddress } : {}),
    ssh: { user: h.ssh.user, port: h.ssh.port, ...(h.ssh.identityFile ? { identityFile: h.ssh.identityFile } : {}) },
    ...(h.hostKey ? { hostKey: h.hostKey.trim() } : {}),
    ...(h.knownHostsFile ? { knownHostsFile: h.knownHostsFile } : {}),
    roles: HOST_ROLE_ORDER.filter((r) => h.roles.includes(r)),
  }));
  const pgHosts = resolved.filter((h) => h.roles.includes('postgres'));
  return deepFreeze({
    ...local,
    nodes: pgHosts.map((h) => ({
      name: h.name,
      pgPort: HOST_PORTS.postgres,
      apiPort: HOST_PORTS.patroniApi,
      nofailover: false,
    })),
    etcd: {
      ...local.etcd,
      scheme: 'https',
      members: resolved
        .filter((h) => h.roles.includes('etcd'))
        .map((h) => ({ name: h.name, clientPort: HOST_PORTS.etcdClient, peerPort: HOST_PORTS.etcdPeer })),
    },
    postgres: { ...local.postgres, synchronousMode: parsed.postgres.synchronousMode ?? pgHosts.length >= 2 },
    haproxy: {
      ...local.haproxy,
      primaryPort: parsed.haproxy.primaryPort ?? HOST_PORTS.haproxyPrimary,
      replicaPort: parsed.haproxy.replicaPort ?? HOST_PORTS.haproxyReplica,
      statsPort: parsed.haproxy.statsPort ?? HOST_PORTS.haproxyStats,
    },
    router: { ...local.router, port: parsed.router.port ?? HOST_PORTS.router },
    pooler: { ...local.pooler, port: parsed.pooler.port ?? HOST_PORTS.pooler },
    monitoring: {
      ...local.monitoring,
      host: parsed.monitoring.host ?? resolved.find((h) => h.roles.includes('haproxy'))?.name ?? resolved[0]!.name,
      prometheusPort: parsed.monitoring.prometheusPort ?? HOST_PORTS.prometheus,
      postgresExporterPort: parsed.monitoring.postgresExporterPort ?? HOST_PORTS.postgresExporter,
      exporterPort: parsed.monitoring.exporterPort ?? HOST_PORTS.gardenosExporter,
    },
    ...(local.backup
      ? {
          backup: {
            ...local.backup,
            // The operator's state dir means nothing on the hosts: the repository lives under gardenos's own root there.
            repoPath: parsed.backup.repoPath ?? HOSTS_BACKUP_REPO,
            repoHost: parsed.backup.repoHost ?? pgHosts[0]?.name ?? resolved[0]!.name,
          },
        }
      : {}),
    hosts: resolved,
    k3s: parsed.k3s,
  });
}

const HOST_ROLE_ORDER: readonly HostRole[] = ['etcd', 'postgres', 'haproxy', 'k3s-server'];

/** Every port one host binds on the hosts target, by its roles. */
export function hostPorts(spec: Spec, host: HostConfig): { path: (string | number)[]; port: number; owner: string }[] {
  const has = (r: HostRole) => host.roles.includes(r);
  const k3s = spec.k3s;
  return [
    ...(has('etcd')
      ? [
          { path: ['hosts'], port: HOST_PORTS.etcdClient, owner: 'etcd client' },
          { path: ['hosts'], port: HOST_PORTS.etcdPeer, owner: 'etcd peer' },
        ]
      : []),
    ...(has('postgres')
      ? [
          { path: ['hosts'], port: HOST_PORTS.postgres, owner: 'PostgreSQL' },
          { path: ['hosts'], port: HOST_PORTS.patroniApi, owner: 'Patroni REST API' },
        ]
      : []),
    ...(has('haproxy')
      ? [
          { path: ['haproxy', 'primaryPort'], port: spec.haproxy.primaryPort, owner: 'HAProxy primary' },
          { path: ['haproxy', 'replicaPort'], port: spec.haproxy.replicaPort, owner: 'HAProxy replicas' },
          { path: ['haproxy', 'statsPort'], port: spec.haproxy.statsPort, owner: 'HAProxy stats' },
          ...(spec.router.enabled ? [{ path: ['router', 'port'], port: spec.router.port, owner: 'router' }] : []),
          ...(spec.router.enabled && spec.pooler.enabled
            ? [{ path: ['pooler', 'port'], port: spec.pooler.port, owner: 'PgBouncer' }]
            : []),
          ...(k3s?.enabled ? [{ path: ['k3s', 'apiPort'], port: k3s.apiPort, owner: 'HAProxy K3s API' }] : []),
        ]
      : []),
    ...(has('k3s-server') && k3s?.enabled
      ? [{ path: ['k3s', 'serverPort'], port: k3s.serverPort, owner: 'K3s server' }]
      : []),
    ...(runsPgbackrestServer(spec, host)
      ? [{ path: ['backup'], port: HOST_PORTS.pgbackrest, owner: 'pgBackRest TLS server' }]
      : []),
    ...monitoringPorts(spec, host),
  ];
}

/** Every port the local platform binds, with the spec path that decides it. */
export function listPorts(spec: Spec): { path: (string | number)[]; port: number; owner: string }[] {
  return [
    { path: ['haproxy', 'primaryPort'], port: spec.haproxy.primaryPort, owner: 'HAProxy primary' },
    { path: ['haproxy', 'replicaPort'], port: spec.haproxy.replicaPort, owner: 'HAProxy replicas' },
    { path: ['haproxy', 'statsPort'], port: spec.haproxy.statsPort, owner: 'HAProxy stats' },
    ...(spec.router.enabled ? [{ path: ['router', 'port'], port: spec.router.port, owner: 'router' }] : []),
    ...(spec.pooler.enabled ? [{ path: ['pooler', 'port'], port: spec.pooler.port, owner: 'PgBouncer' }] : []),
    ...(spec.monitoring.enabled
      ? [
          { path: ['monitoring', 'prometheusPort'], port: spec.monitoring.prometheusPort, owner: 'Prometheus' },
          { path: ['monitoring', 'dashboardPort'], port: spec.monitoring.dashboardPort, owner: 'dashboard' },
          {
            path: ['monitoring', 'postgresExporterPort'],
            port: spec.monitoring.postgresExporterPort,
            owner: 'PostgreSQL exporter',
          },
          { path: ['monitoring', 'exporterPort'], port: spec.monitoring.exporterPort, owner: 'gardenos exporter' },
          ...(spec.monitoring.alertmanager.enabled
            ? [
                {
                  path: ['monitoring', 'alertmanager', 'port'],
                  port: spec.monitoring.alertmanager.port,
                  owner: 'Alertmanager',
                },
              ]
            : []),
        ]
      : []),
    // Nothing listens there: the DNAT rule takes every local connection to it, so nothing else may use it.
    ...(spec.router.enabled && spec.router.kernelRoute.enabled
      ? [{ path: ['router', 'kernelRoute', 'port'], port: spec.router.kernelRoute.port, owner: 'kernel route' }]
      : []),
    ...spec.etcd.members.flatMap((m, i) => [
      { path: ['etcd', 'members', i, 'clientPort'], port: m.clientPort, owner: `etcd ${m.name} client` },
      { path: ['etcd', 'members', i, 'peerPort'], port: m.peerPort, owner: `etcd ${m.name} peer` },
    ]),
    ...spec.nodes.flatMap((n, i) => [
      { path: ['nodes', i, 'pgPort'], port: n.pgPort, owner: `PostgreSQL ${n.name}` },
      { path: ['nodes', i, 'apiPort'], port: n.apiPort, owner: `Patroni ${n.name} REST API` },
    ]),
    // Only services that run locally bind a port here; image-only ones listen inside their pods.
    ...spec.services.flatMap((s, i) =>
      s.command ? [{ path: ['services', i, 'port'], port: s.port, owner: `service ${s.name}` }] : [],
    ),
  ];
}
