// Test helper: decides whether rendered NetworkPolicies let one pod connect to another on a port, the way
// the API defines it (isolation by any policy selecting the pod; allowed if any rule of those allows).
import type { K8sObject } from './meta.js';

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string };
}

interface PolicySpec {
  podSelector: Selector;
  policyTypes: string[];
  ingress?: { from?: Peer[]; ports?: { port: number; protocol?: string }[] }[];
}

/** A pod as a policy sees it: its namespace (and that namespace's labels) and its labels. */
export interface PodRef {
  namespace: string;
  labels: Record<string, string>;
}

export function selects(sel: Selector, labels: Record<string, string>): boolean {
  const byLabel = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (sel.matchExpressions ?? []).every((e) => {
    const has = e.key in labels;
    if (e.operator === 'Exists') return has;
    if (e.operator === 'DoesNotExist') return !has;
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    return e.operator === 'In' ? inValues : !inValues;
  });
  return byLabel && byExpression;
}

function peerAllows(peer: Peer, from: PodRef, policyNamespace: string): boolean {
  if (peer.ipBlock) return false; // for addresses outside the cluster, not pods
  const podOk = selects(peer.podSelector ?? {}, from.labels);
  if (peer.namespaceSelector)
    return podOk && selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': from.namespace });
  return podOk && from.namespace === policyNamespace;
}

/** The policies that select `to` for ingress; an empty list means `to` is not isolated. */
export function isolating(objs: K8sObject[], to: PodRef): (K8sObject & { spec: PolicySpec })[] {
  return (objs as (K8sObject & { spec: PolicySpec })[]).filter(
    (o) =>
      o.kind === 'NetworkPolicy' &&
      o.metadata.namespace === to.namespace &&
      o.spec.policyTypes.includes('Ingress') &&
      selects(o.spec.podSelector, to.labels),
  );
}

export function ingressAllowed(objs: K8sObject[], from: PodRef, to: PodRef, port: number): boolean {
  const policies = isolating(objs, to);
  if (policies.length === 0) return true;
  return policies.some((p) =>
    (p.spec.ingress ?? []).some(
      (rule) =>
        (rule.ports === undefined || rule.ports.some((x) => x.port === port && (x.protocol ?? 'TCP') === 'TCP')) &&
        (rule.from === undefined || rule.from.some((peer) => peerAllows(peer, from, p.metadata.namespace!))),
    ),
  );
}
