// Turns a parsed spec into the effective spec: names and every port made concrete.
import type { K8sSettings, RoutingSettings, ServiceSettings, SupabaseSettings } from './app-schema.js';
import type { ParsedSpec } from './schema.js';

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
  };
  readonly local: {
    readonly stateDir: string;
    readonly basePort: number;
    readonly bindAddress: string;
  };
  readonly k8s: K8sSettings;
  readonly supabase: SupabaseSettings;
  readonly services: readonly ServiceSettings[];
  readonly routing: RoutingSettings;
  /** Present only when backups are enabled, so specs stored before this field existed still compare equal. */
  readonly backup?: { readonly enabled: true; readonly repoPath: string; readonly retentionFull: number };
}

export function resolveSpec(parsed: ParsedSpec, defaultStateDir: (name: string) => string): Spec {
  const base = parsed.local.basePort;
  type NodeEntry = Exclude<ParsedSpec['nodes'], number>[number];
  type MemberEntry = Exclude<ParsedSpec['etcd']['members'], number>[number];
  const nodes: NodeEntry[] = typeof parsed.nodes === 'number'
    ? Array.from({ length: parsed.nodes }, (_, i) => ({ name: `pg${i + 1}` }))
    : parsed.nodes;
  const members: MemberEntry[] = typeof parsed.etcd.members === 'number'
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
      superuser: parsed.postgres.superuser,
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
    },
    local: {
      stateDir: parsed.local.stateDir ?? defaultStateDir(parsed.name),
      basePort: base,
      bindAddress: parsed.local.bindAddress,
    },
    k8s: parsed.k8s,
    supabase: parsed.supabase,
    services: parsed.services,
    routing: parsed.routing,
  };
  if (parsed.backup.enabled) {
    const stateDir = spec.local.stateDir;
    return deepFreeze({ ...spec, backup: { enabled: true, repoPath: parsed.backup.repoPath ?? `${stateDir}/backup/repo`, retentionFull: parsed.backup.retentionFull } });
  }
  return deepFreeze(spec);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Every port the local platform binds, with the spec path that decides it. */
export function listPorts(spec: Spec): { path: (string | number)[]; port: number; owner: string }[] {
  return [
    { path: ['haproxy', 'primaryPort'], port: spec.haproxy.primaryPort, owner: 'HAProxy primary' },
    { path: ['haproxy', 'replicaPort'], port: spec.haproxy.replicaPort, owner: 'HAProxy replicas' },
    { path: ['haproxy', 'statsPort'], port: spec.haproxy.statsPort, owner: 'HAProxy stats' },
    ...(spec.router.enabled ? [{ path: ['router', 'port'], port: spec.router.port, owner: 'router' }] : []),
    ...spec.etcd.members.flatMap((m, i) => [
      { path: ['etcd', 'members', i, 'clientPort'], port: m.clientPort, owner: `etcd ${m.name} client` },
      { path: ['etcd', 'members', i, 'peerPort'], port: m.peerPort, owner: `etcd ${m.name} peer` },
    ]),
    ...spec.nodes.flatMap((n, i) => [
      { path: ['nodes', i, 'pgPort'], port: n.pgPort, owner: `PostgreSQL ${n.name}` },
      { path: ['nodes', i, 'apiPort'], port: n.apiPort, owner: `Patroni ${n.name} REST API` },
    ]),
    // Only services that run locally bind a port here; image-only ones listen inside their pods.
    ...spec.services.flatMap((s, i) => s.command ? [{ path: ['services', i, 'port'], port: s.port, owner: `service ${s.name}` }] : []),
  ];
}
