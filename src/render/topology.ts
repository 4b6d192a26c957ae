// Where each member runs: the addresses renderers put into URLs, derived from the spec.
import { GardenError } from '../errors.js';
import { monitoringOn } from '../spec/hosts-monitoring.js';
import type { Spec } from '../spec/index.js';

export interface EtcdMemberAt {
  name: string;
  host: string;
  clientPort: number;
  peerPort: number;
}
export interface NodeAt {
  name: string;
  host: string;
  pgPort: number;
  apiPort: number;
  nofailover: boolean;
}

export interface Topology {
  etcd: EtcdMemberAt[];
  nodes: NodeAt[];
  /** Scheme of every Patroni REST API: https across hosts, and on one machine unless postgres.tls is off. */
  patroniScheme: 'http' | 'https';
}

/** Where a client reaches one PostgreSQL server. */
export interface PgAddress {
  host: string;
  port: number;
}

/** Where every member runs, for the spec's target. */
export function topologyOf(spec: Spec): Topology {
  return spec.hosts ? hostsTopology(spec) : localTopology(spec);
}

/** On the hosts target each member listens on its host's private address, at the well-known ports. */
export function hostsTopology(spec: Spec): Topology {
  const addressOf = new Map((spec.hosts ?? []).map((h) => [h.name, h.address]));
  const at = (name: string) => addressOf.get(name) ?? spec.local.bindAddress;
  return {
    etcd: spec.etcd.members.map((m) => ({
      name: m.name,
      host: at(m.name),
      clientPort: m.clientPort,
      peerPort: m.peerPort,
    })),
    nodes: spec.nodes.map((n) => ({
      name: n.name,
      host: at(n.name),
      pgPort: n.pgPort,
      apiPort: n.apiPort,
      nofailover: n.nofailover,
    })),
    patroniScheme: 'https',
  };
}

/** On the local target every member listens on the bind address, each on its own ports. */
export function localTopology(spec: Spec): Topology {
  const host = spec.local.bindAddress;
  return {
    etcd: spec.etcd.members.map((m) => ({ name: m.name, host, clientPort: m.clientPort, peerPort: m.peerPort })),
    nodes: spec.nodes.map((n) => ({
      name: n.name,
      host,
      pgPort: n.pgPort,
      apiPort: n.apiPort,
      nofailover: n.nofailover,
    })),
    patroniScheme: pgTlsOn(spec) ? 'https' : 'http',
  };
}

export type PgTlsMode = 'required' | 'preferred' | 'off';

/**
 * postgres.tls, also for a spec stored by a gardenos from before the field: that platform was set up
 * without TLS, so a missing value means off (a spec read from a file always has one, required by default).
 */
export function pgTls(spec: Spec): PgTlsMode {
  return (spec.postgres.tls as PgTlsMode | undefined) ?? 'off';
}

/** PostgreSQL serves TLS (and Patroni's REST API https): every client gardenos configures uses it. */
export function pgTlsOn(spec: Spec): boolean {
  return pgTls(spec) !== 'off';
}

/** The services' role and database (a spec stored before they existed has none: the defaults). */
export function appRole(spec: Spec): { role: string; database: string } {
  const app = spec.postgres.app as Spec['postgres']['app'] | undefined;
  return { role: app?.role ?? 'app', database: app?.database ?? 'app' };
}

/** A node by name, where the spec's target places it. */
export function nodeAt(spec: Spec, name: string): NodeAt {
  const node = topologyOf(spec).nodes.find((n) => n.name === name);
  if (!node) {
    throw new GardenError('USAGE', `There is no node named "${name}".`, {
      hint: `choose one of: ${spec.nodes.map((n) => n.name).join(', ')}`,
    });
  }
  return node;
}

const asNode = (spec: Spec, node: NodeAt | string): NodeAt => (typeof node === 'string' ? nodeAt(spec, node) : node);

/** Base URL of a node's Patroni REST API (no trailing slash): `GET ${url}/cluster`. */
export function patroniApiUrl(spec: Spec, node: NodeAt | string): string {
  const n = asNode(spec, node);
  return `${topologyOf(spec).patroniScheme}://${patroniApiAddress(n)}`;
}

/** Every node's name and Patroni REST API base URL, in spec order: what a cluster reader walks. */
export function patroniApis(spec: Spec): { name: string; apiUrl: string }[] {
  return topologyOf(spec).nodes.map((n) => ({ name: n.name, apiUrl: patroniApiUrl(spec, n) }));
}

/** host:port of a node's REST API, as patroni.yml's restapi.listen/connect_address want it (no scheme). */
export function patroniApiAddress(n: NodeAt): string {
  return `${n.host}:${n.apiPort}`;
}

/** Where a client reaches a node's PostgreSQL. */
export function pgAddress(spec: Spec, node: NodeAt | string): PgAddress {
  const n = asNode(spec, node);
  return { host: n.host, port: n.pgPort };
}

/** host:port of a node's PostgreSQL, for configs that take that form (patroni.yml, haproxy.cfg). */
export function pgHostPort(n: NodeAt): string {
  return `${n.host}:${n.pgPort}`;
}

/** host:port of an etcd member's client listener, for configs that take the scheme separately (patroni.yml etcd3.hosts). */
export function etcdClientAddress(m: EtcdMemberAt): string {
  return `${m.host}:${m.clientPort}`;
}

/** Every etcd member's client URL, in spec order. */
export function etcdClientUrls(spec: Spec): string[] {
  return topologyOf(spec).etcd.map((m) => etcdClientUrl(spec, m));
}

/** Every etcd member's name and client URL, for health checks that report per member. */
export function etcdClientEndpoints(spec: Spec): { name: string; clientURL: string }[] {
  return topologyOf(spec).etcd.map((m) => ({ name: m.name, clientURL: etcdClientUrl(spec, m) }));
}

export function etcdClientUrl(spec: Spec, m: EtcdMemberAt): string {
  return `${spec.etcd.scheme}://${etcdClientAddress(m)}`;
}

export function etcdPeerUrl(spec: Spec, m: EtcdMemberAt): string {
  return `${spec.etcd.scheme}://${m.host}:${m.peerPort}`;
}

/** The Patroni scope prefix in etcd, with the trailing slash that keeps `garden` from matching `garden2`. */
export function scopePrefix(spec: Spec): string {
  return `${spec.etcd.namespace}/${spec.name}/`;
}

/** Where a client on this machine reaches a service bound to `bind`: loopback when it binds every address. */
function reachableHost(bind: string): string {
  return bind === '0.0.0.0' ? '127.0.0.1' : bind;
}

/** Base URL of the platform's Prometheus (no trailing slash): `GET ${url}/api/v1/alerts`. */
export function prometheusUrl(spec: Spec): string {
  if (spec.hosts) return `http://${hostsMonitoring(spec).prometheus.address}`;
  return `http://${reachableHost(spec.local.bindAddress)}:${spec.monitoring.prometheusPort}`;
}

/** monitoring.alertmanager when it runs; undefined when off (or in a spec stored before it existed). */
export function alertmanagerOf(spec: Spec): Spec['monitoring']['alertmanager'] | undefined {
  const am = spec.monitoring.alertmanager as Spec['monitoring']['alertmanager'] | undefined;
  return spec.monitoring.enabled && am?.enabled ? am : undefined;
}

/** Alertmanager's address on the local target (the hosts target refuses it). */
export function alertmanagerAddress(spec: Spec, am: Spec['monitoring']['alertmanager']): string {
  return `${reachableHost(spec.local.bindAddress)}:${am.port}`;
}

/** One scrape target: the member label Prometheus puts on its series, and host:port. */
export interface ScrapeTargetAt {
  member: string;
  address: string;
}

/**
 * Where the monitoring processes of the hosts target listen and what Prometheus scrapes there, each on
 * its host's private address: the exporters and Prometheus bind it, the config names it. Every member
 * label is the host's name (the etcd member and Patroni node on it are named after it too).
 */
export interface HostsMonitoringAt {
  prometheus: { host: string } & ScrapeTargetAt;
  haproxy: ScrapeTargetAt[];
  routers: ScrapeTargetAt[];
  postgresExporters: ScrapeTargetAt[];
  gardenosExporters: ScrapeTargetAt[];
}

export function hostsMonitoring(spec: Spec): HostsMonitoringAt {
  const hosts = spec.hosts ?? [];
  const m = spec.monitoring;
  const at = (h: { name: string; address: string }, port: number) => ({
    member: h.name,
    address: `${h.address}:${port}`,
  });
  const promHost = hosts.find((h) => h.name === m.host) ?? hosts[0];
  if (!promHost) throw new Error('hostsMonitoring: the spec has no hosts');
  const haproxy = hosts.filter((h) => h.roles.includes('haproxy'));
  return {
    prometheus: { host: promHost.name, ...at(promHost, m.prometheusPort) },
    haproxy: haproxy.map((h) => at(h, spec.haproxy.statsPort)),
    routers: spec.router.enabled ? haproxy.map((h) => at(h, spec.router.port)) : [],
    postgresExporters: hosts
      .filter((h) => monitoringOn(spec, h).postgresExporter)
      .map((h) => at(h, m.postgresExporterPort)),
    gardenosExporters: hosts.filter((h) => monitoringOn(spec, h).gardenosExporter).map((h) => at(h, m.exporterPort)),
  };
}

/** The dashboard's page URL on `port` (default monitoring.dashboardPort), with the token when given. */
export function dashboardUrl(spec: Spec, port = spec.monitoring.dashboardPort, token?: string): string {
  const query = token === undefined ? '' : `?token=${encodeURIComponent(token)}`;
  return `http://${reachableHost(spec.local.bindAddress)}:${port}/${query}`;
}

export const GENERATED_HEADER = 'generated by gardenos — do not edit; change gardenos.yaml and run `gardenos up`';
