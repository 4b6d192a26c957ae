// What a Prometheus needs to watch the K8s target: its scrape config and the alert rules (a ConfigMap),
// an identity allowed to discover this namespace's pods, and NetworkPolicies that let it reach the
// metrics ports under the namespace's default-deny. No Prometheus itself: the operator runs their own
// and mounts these (docs/monitoring.md, "On the K8s target").
//
// Scraped, under the local config's job names where the component is the same, so the rules work as
// they are: `patroni` (each Patroni pod's /metrics; member = the pod's name, which is Patroni's member
// name), `router`, `etcd` (the external cluster k8s.etcdEndpoints lists, with the etcd client Secret's
// files as Patroni mounts them), and `kubernetes-pods` (the other pods with prometheus.io/* annotations:
// PostgREST's admin port). Left out, having no counterpart here: `haproxy` (the primary and replica
// Services follow the role label the router sets), `postgres` (no postgres exporter runs beside
// Patroni) and `gardenos` (its exporter reads a host's data dirs and pgBackRest). The rules that read
// only their metrics are left out with them (LOCAL_ONLY_RULES): they would never fire, or always.
import { stringify } from 'yaml';
import type { Spec } from '../../spec/index.js';
import { buildAlertRules, buildPrometheusConfig } from '../prometheus.js';
import { etcdEndpoints } from './base.js';
import { usesEtcdTls } from './etcd-tls.js';
import { ETCD_TLS_FILES, K8S_HEADER, metadata, ROUTER_HTTP_PORT, selectorOf, type K8sObject } from './meta.js';

/** The ConfigMap's keys. The config names the rules by a relative path, resolved from its own directory. */
export const PROMETHEUS_FILES = { config: 'prometheus.yml', rules: 'rules.yml' } as const;

/** The component label the operator's Prometheus pods carry (with the instance label) to be let in. */
export const PROMETHEUS_COMPONENT = 'prometheus';

/** Rules of the local target whose metrics nothing on the K8s target serves, and why. */
export const LOCAL_ONLY_RULES: Readonly<Record<string, string>> = {
  'gardenos:commits_per_second': 'reads the postgres exporter',
  'gardenos:connections': 'reads the postgres exporter',
  'gardenos:replica_lag_bytes': "reads the postgres exporter's replication query",
  'gardenos:replica_streaming': "reads the postgres exporter's replication query",
  HaproxyPrimaryNoServer: 'no HAProxy on K8s: it would fire all the time',
  ReplicaLagHigh: "reads the postgres exporter's replication query: it would never fire",
  ReplicaNotStreaming: "reads the postgres exporter's replication query: it would fire all the time",
  WalArchivingFailing: "reads the postgres exporter's archiver query: it would never fire",
  BackupTooOld: "reads gardenos's exporter (pgBackRest on the hosts): it would never fire",
  DataDiskNearlyFull: "reads gardenos's exporter (a host's data dir): it would never fire",
};

export interface PrometheusScrape {
  /** Allow policies: they go with the namespace's default-deny, before any pod. */
  policies: K8sObject[];
  /** The ConfigMap, and the ServiceAccount, Role and RoleBinding for pod discovery (with the router's RBAC). */
  objects: K8sObject[];
}

interface ScrapedPods {
  component: string;
  port: number;
}

const COMPONENT = 'app.kubernetes.io/component';
/** No YAML anchors: the relabel rules shared by two jobs are written out in each. */
const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;
const POSTGRES = 'postgres';
const ROUTER = 'router';

type PodTemplateOf = { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } };
type Annotated = { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } };

/**
 * The pods worth scraping among the rendered objects: those the renderers annotated for Prometheus
 * (postgres.ts, supabase.ts), and the router, whose /metrics carries no annotation.
 */
function scrapedPods(objects: K8sObject[]): ScrapedPods[] {
  return objects.flatMap((o): ScrapedPods[] => {
    const component = (o as PodTemplateOf).spec?.template?.metadata?.labels?.[COMPONENT];
    if (component === undefined) return [];
    if (component === ROUTER && o.kind === 'Deployment') return [{ component, port: ROUTER_HTTP_PORT }];
    const a = (o as Annotated).spec?.template?.metadata?.annotations ?? {};
    return a['prometheus.io/scrape'] === 'true' ? [{ component, port: Number(a['prometheus.io/port']) }] : [];
  });
}

const labelSelector = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** Pod discovery in the namespace, filtered by the API server with a label selector. */
const podsIn = (spec: Spec, selector: string) => [
  { role: 'pod', namespaces: { names: [spec.k8s.namespace] }, selectors: [{ role: 'pod', label: selector }] },
];

/** Pod discovery yields a target per container port: keep the one serving /metrics. */
const keepPort = (port: number) => ({
  source_labels: ['__meta_kubernetes_pod_container_port_number'],
  regex: String(port),
  action: 'keep',
});

const memberFromPod = { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'member' };

function annotatedPodsJob(spec: Spec): Record<string, unknown> {
  // Patroni's pods are annotated too; the patroni job scrapes them, under the rules' job name.
  const others = `app.kubernetes.io/instance=${spec.name},${COMPONENT}!=${POSTGRES}`;
  return {
    job_name: 'kubernetes-pods',
    kubernetes_sd_configs: podsIn(spec, others),
    // One target per container port, all rewritten to the annotated port: Prometheus merges the
    // targets that end with the same labels, so each pod is scraped once. An IPv4 pod network (K3s's).
    relabel_configs: [
      { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], regex: 'true', action: 'keep' },
      {
        source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'],
        regex: '(.+)',
        target_label: '__metrics_path__',
      },
      {
        source_labels: ['__meta_kubernetes_pod_ip', '__meta_kubernetes_pod_annotation_prometheus_io_port'],
        regex: '(.+);(\\d+)',
        replacement: '$1:$2',
        target_label: '__address__',
      },
      memberFromPod,
      { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_component'], target_label: 'component' },
    ],
  };
}

function etcdJob(spec: Spec): Record<string, unknown> {
  return {
    job_name: 'etcd',
    scheme: spec.etcd.scheme,
    // The client Secret Patroni and the router use: the operator mounts it at the same directory.
    ...(usesEtcdTls(spec)
      ? {
          tls_config: {
            ca_file: ETCD_TLS_FILES.caFile,
            cert_file: ETCD_TLS_FILES.certFile,
            key_file: ETCD_TLS_FILES.keyFile,
          },
        }
      : {}),
    static_configs: etcdEndpoints(spec).map((e) => ({ targets: [e], labels: { member: etcdHost(e) } })),
  };
}

const etcdHost = (endpoint: string) => endpoint.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');

/** prometheus.yml for the components rendered; `global` is the local config's, so both targets agree. */
export function buildK8sPrometheusConfig(spec: Spec, objects: K8sObject[]): Record<string, unknown> {
  const pods = scrapedPods(objects);
  const { global } = buildPrometheusConfig({
    spec,
    topology: { etcd: [], nodes: [], patroniScheme: 'http' },
    host: '',
    rulesFile: '',
  });
  /** The job of a component's pods, at the port they are scraped on; none when it is not rendered. */
  const podJob = (job: string, component: string, member: object) =>
    pods
      .filter((p) => p.component === component)
      .slice(0, 1)
      .map((p) => ({
        job_name: job,
        kubernetes_sd_configs: podsIn(spec, labelSelector(selectorOf(spec, component))),
        relabel_configs: [keepPort(p.port), member],
      }));
  return {
    global,
    rule_files: [PROMETHEUS_FILES.rules],
    scrape_configs: [
      // Patroni's REST API has no certificate on K8s (patroni.yml's restapi): plain http.
      ...podJob('patroni', POSTGRES, memberFromPod),
      etcdJob(spec),
      // One router: its member is "router", as locally; its pod name changes with every rollout.
      ...podJob('router', ROUTER, { target_label: 'member', replacement: ROUTER }),
      ...(pods.some((p) => p.component !== POSTGRES && p.component !== ROUTER) ? [annotatedPodsJob(spec)] : []),
    ],
  };
}

/**
 * The spec the rules are built from. They count etcd's quorum from spec.etcd.members, the local
 * members; on K8s etcd is the cluster k8s.etcdEndpoints lists (one endpoint: a quorum of one).
 */
function rulesSpec(spec: Spec): Spec {
  const members = etcdEndpoints(spec).map((e) => ({
    name: etcdHost(e),
    clientPort: Number(/:(\d+)$/.exec(e)?.[1]),
    // Not known on K8s, and not read by the rules.
    peerPort: 0,
  }));
  return { ...spec, etcd: { ...spec.etcd, members } };
}

/** The local alert rules as buildAlertRules renders them, less LOCAL_ONLY_RULES. */
export function buildK8sAlertRules(spec: Spec): ReturnType<typeof buildAlertRules> {
  return buildAlertRules(rulesSpec(spec)).filter((r) => !((r.alert ?? r.record ?? '') in LOCAL_ONLY_RULES));
}

function renderRulesFile(spec: Spec): string {
  const group = { name: 'gardenos', interval: `${spec.monitoring.scrapeIntervalS}s`, rules: buildK8sAlertRules(spec) };
  return `# ${K8S_HEADER}\n` + stringify({ groups: [group] }, YAML_OPTIONS);
}

function scrapePolicies(spec: Spec, pods: ScrapedPods[]): K8sObject[] {
  const from = [{ podSelector: { matchLabels: selectorOf(spec, PROMETHEUS_COMPONENT) } }];
  return pods.map((p) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(spec, `${spec.name}-prometheus-${p.component}`, PROMETHEUS_COMPONENT),
    spec: {
      podSelector: { matchLabels: selectorOf(spec, p.component) },
      policyTypes: ['Ingress'],
      ingress: [{ from, ports: [{ port: p.port, protocol: 'TCP' }] }],
    },
  }));
}

function discoveryRbac(spec: Spec, name: string): K8sObject[] {
  const meta = () => metadata(spec, name, PROMETHEUS_COMPONENT);
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta() },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(),
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: spec.k8s.namespace }],
    },
  ];
}

/**
 * With monitoring.enabled, from the objects the bundle rendered: nothing otherwise. Not on the hosts
 * target, whose PostgreSQL and etcd run on the servers (and whose monitoring the spec turns off).
 */
export function renderPrometheusScrape(spec: Spec, objects: K8sObject[]): PrometheusScrape {
  if (!spec.monitoring.enabled || spec.hosts) return { policies: [], objects: [] };
  const name = `${spec.name}-prometheus`;
  const pods = scrapedPods(objects);
  const config = `# ${K8S_HEADER}\n` + stringify(buildK8sPrometheusConfig(spec, objects), YAML_OPTIONS);
  return {
    policies: scrapePolicies(spec, pods),
    objects: [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: metadata(spec, name, PROMETHEUS_COMPONENT),
        data: { [PROMETHEUS_FILES.config]: config, [PROMETHEUS_FILES.rules]: renderRulesFile(spec) },
      },
      ...discoveryRbac(spec, name),
    ],
  };
}
