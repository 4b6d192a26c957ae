// NetworkPolicies: no pod in the namespace takes a connection unless a policy below names the flow.
//
// Ingress only; egress stays open, on purpose. The platform's egress goes where the spec cannot name an
// address a NetworkPolicy could match: etcd is given by host name (k8s.etcdEndpoints; a policy takes
// CIDRs, and resolving names here would make rendering read the network), the API server the router
// patches pods through is reached at whatever address its ClusterIP is rewritten to (a node's address on
// K3s, and some CNIs treat that as "host", not an ipBlock), GoTrue calls mail and OAuth servers, and the
// user's services call whatever they call. A guessed egress rule that misses takes failover down (a
// router that cannot reach etcd or the API server routes nothing); a rule wide enough to be safe would
// be 0.0.0.0/0 under another name. See renderNetworkPolicies for the flows; the kubelet's probes come
// from the node, which the common CNIs (kube-router in K3s, Calico, Cilium) let through.
import type { Spec } from '../../spec/index.js';
import { metadata, namesOf, PATRONI_PORT, PG_PORT, selectorOf, type K8sObject } from './meta.js';
import { SUPABASE_PORTS } from './supabase.js';

const COMPONENT = 'app.kubernetes.io/component';
const INSTANCE = 'app.kubernetes.io/instance';

/** Pods of this cluster (instance label) whose component is one of `components`, in the same namespace. */
function podsOf(spec: Spec, components: string[]) {
  return {
    podSelector: {
      matchExpressions: [{ key: COMPONENT, operator: 'In', values: [...new Set(components)].sort() }],
      matchLabels: { [INSTANCE]: spec.name },
    },
  };
}

/**
 * Whoever the Gateway or Ingress controller is. Its namespace and labels are not in the spec (K3s's
 * Traefik runs in kube-system, ingress-nginx in its own namespace): every pod of any namespace. The port
 * is published to the world through the controller anyway, so that adds no reach; what is not routed
 * (PostgreSQL, Patroni, PostgREST's admin port) stays closed.
 */
const ANY_POD = { namespaceSelector: {} };

const tcp = (port: number) => ({ port, protocol: 'TCP' });

function policy(spec: Spec, name: string, component: string, ingress: unknown[]): K8sObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(spec, name, component),
    spec: { podSelector: { matchLabels: selectorOf(spec, component) }, policyTypes: ['Ingress'], ingress },
  };
}

/** Who connects to PostgreSQL: the user's services and their role's Job, Supabase and its bootstrap Job, and the other members. */
export function postgresClients(spec: Spec): string[] {
  return [
    'postgres',
    ...spec.services.map((s) => `service-${s.name}`),
    ...(spec.services.length > 0 ? ['app-role'] : []),
    ...(spec.supabase.enabled ? ['supabase-bootstrap', ...spec.supabase.services.map((s) => `supabase-${s}`)] : []),
  ];
}

/** pg_hba's extra client networks (postgres.allowedClientCidrs): allowed here too, or the two would disagree. */
function extraClientCidrs(spec: Spec): string[] {
  // Loopback never crosses a pod's network namespace; the pod CIDR would open PostgreSQL to every pod.
  return spec.postgres.allowedClientCidrs.filter((c) => c !== spec.k8s.podCidr && !/^127\.|^::1\//.test(c));
}

function postgresPolicy(spec: Spec): K8sObject {
  const cidrs = extraClientCidrs(spec);
  return policy(spec, namesOf(spec).postgres, 'postgres', [
    // Clients reach the primary and replica Services; the policy sees the pod behind them. Members
    // stream WAL from each other and pg_rewind/pg_basebackup from the leader on the same port.
    { from: [podsOf(spec, postgresClients(spec))], ports: [tcp(PG_PORT)] },
    ...(cidrs.length > 0 ? [{ from: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(PG_PORT)] }] : []),
    // Patroni's REST API: the other members (leader race, /patroni) and the router's /primary check.
    { from: [podsOf(spec, ['postgres', 'router'])], ports: [tcp(PATRONI_PORT)] },
  ]);
}

function supabasePolicies(spec: Spec): K8sObject[] {
  if (!spec.supabase.enabled) return [];
  // All three are routed (routing.ts); Storage's calls to PostgREST are covered by the same rule.
  return spec.supabase.services.map((s) =>
    policy(spec, namesOf(spec).supabase(s), `supabase-${s}`, [{ from: [ANY_POD], ports: [tcp(SUPABASE_PORTS[s])] }]),
  );
}

function servicePolicies(spec: Spec): K8sObject[] {
  const services = spec.services.filter((s) => s.image);
  const all = services.map((s) => `service-${s.name}`);
  return services.map((s) =>
    policy(spec, s.name, `service-${s.name}`, [
      // A routed service takes the controller's connections; any service takes its siblings' calls
      // (the spec does not say which service calls which).
      { from: s.routes.length > 0 ? [ANY_POD] : [podsOf(spec, all)], ports: [tcp(s.port)] },
    ]),
  );
}

/**
 * The namespace's default-deny (every pod, not only this cluster's: anything else placed in the namespace
 * is isolated too) and one allow policy per workload that takes connections. Nothing in the cluster
 * connects to the router, so it gets none (`kubectl port-forward` to its /metrics and /status is not
 * seen by a NetworkPolicy). A Prometheus in another namespace is not let in: the spec does not say
 * where it runs, so the scrape annotations on Patroni and PostgREST need an allow policy of its own.
 */
export function renderNetworkPolicies(spec: Spec): K8sObject[] {
  return [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: metadata(spec, `${spec.name}-default-deny`, 'namespace'),
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    },
    ...(spec.hosts ? [] : [postgresPolicy(spec)]),
    ...supabasePolicies(spec),
    ...servicePolicies(spec),
  ];
}
