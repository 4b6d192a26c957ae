// The namespace's NetworkPolicies: a default-deny, and each flow of the platform allowed, nothing more.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FIXTURES,
  FULL_YAML,
  HOSTS_YAML,
  INGRESS_YAML,
  MINIMAL_YAML,
  podTemplates,
  renderFixture,
} from './fixtures.js';
import { allObjects, type K8sObject } from './index.js';
import { ingressAllowed, isolating, selects, type PodRef } from './network-policy-check.js';

const NS = 'gardenos';

/** The pod a workload renders, with its labels as rendered (Patroni's pods also get a role from the router). */
function podOf(objs: K8sObject[], component: string, role?: 'primary' | 'replica'): PodRef {
  const pod = podTemplates(objs).find((p) => p.labels['app.kubernetes.io/component'] === component);
  assert.ok(pod, `a pod of component ${component} is rendered`);
  return { namespace: NS, labels: { ...pod.labels, ...(role ? { role } : {}) } };
}

/** The Gateway's or Ingress controller's pod: K3s's Traefik, in kube-system. */
const CONTROLLER: PodRef = { namespace: 'kube-system', labels: { 'app.kubernetes.io/name': 'traefik' } };

describe('render --target k8s: NetworkPolicies', () => {
  for (const [fixture, yaml] of FIXTURES) {
    test(`${fixture}: a default-deny of all ingress in the namespace; egress is not denied; every policy selects a rendered pod`, () => {
      const objs = allObjects(renderFixture(yaml));
      const policies = objs.filter((o) => o.kind === 'NetworkPolicy') as (K8sObject & { spec: any })[]; // eslint-disable-line @typescript-eslint/no-explicit-any
      const deny = policies.find((p) => p.metadata.name === 'garden-default-deny');
      assert.deepEqual(deny?.spec, { podSelector: {}, policyTypes: ['Ingress'] });
      // The egress decision (network-policies.ts): etcd and the API server have no address a policy could hold.
      for (const p of policies) assert.deepEqual(p.spec.policyTypes, ['Ingress'], p.metadata.name);
      const pods = podTemplates(objs);
      for (const p of policies.filter((x) => x !== deny))
        assert.ok(
          pods.some((pod) => selects(p.spec.podSelector, pod.labels)),
          `NetworkPolicy/${p.metadata.name} selects a rendered pod`,
        );
      for (const pod of pods)
        assert.ok(isolating(objs, { namespace: NS, labels: pod.labels }).length > 0, `${pod.workload} is isolated`);
      // In the namespace component, applied before any pod: no pod runs under the deny without its allows.
      const namespace = renderFixture(yaml).find((c) => c.name === 'namespace')!;
      assert.equal(namespace.objects.filter((o) => o.kind === 'NetworkPolicy').length, policies.length);
    });
  }

  test('PostgreSQL: the services, Supabase and its bootstrap Job reach both roles on 5432; nothing else does', () => {
    const objs = allObjects(renderFixture(FULL_YAML));
    const clients = [
      'service-main-api',
      'service-agents',
      'supabase-auth',
      'supabase-rest',
      'supabase-storage',
      'supabase-bootstrap',
    ];
    for (const role of ['primary', 'replica'] as const) {
      const pg = podOf(objs, 'postgres', role);
      for (const c of clients) assert.ok(ingressAllowed(objs, podOf(objs, c), pg, 5432), `${c} -> ${role}:5432`);
      assert.ok(!ingressAllowed(objs, podOf(objs, 'router'), pg, 5432), 'the router does not speak SQL');
      assert.ok(!ingressAllowed(objs, CONTROLLER, pg, 5432), 'not from other namespaces');
      const otherCluster = { namespace: NS, labels: { ...podOf(objs, 'service-main-api').labels } };
      otherCluster.labels['app.kubernetes.io/instance'] = 'other';
      assert.ok(!ingressAllowed(objs, otherCluster, pg, 5432), "not from another cluster's pods in the namespace");
      for (const c of clients) assert.ok(!ingressAllowed(objs, podOf(objs, c), pg, 8008), `${c} -/-> Patroni's API`);
    }
  });

  test('Patroni <-> Patroni on 5432 (replication, pg_rewind) and 8008 (REST); the router -> Patroni 8008 (/primary)', () => {
    const objs = allObjects(renderFixture(MINIMAL_YAML));
    const primary = podOf(objs, 'postgres', 'primary');
    const replica = podOf(objs, 'postgres', 'replica');
    for (const port of [5432, 8008]) {
      assert.ok(ingressAllowed(objs, replica, primary, port), `replica -> primary:${port}`);
      assert.ok(ingressAllowed(objs, primary, replica, port), `primary -> replica:${port}`);
    }
    assert.ok(ingressAllowed(objs, podOf(objs, 'router'), primary, 8008));
    assert.ok(!ingressAllowed(objs, primary, podOf(objs, 'router'), 8080), 'nothing connects to the router');
  });

  for (const [mode, yaml] of [
    ['Gateway API', FULL_YAML],
    ['Ingress', INGRESS_YAML],
  ] as const) {
    test(`${mode}: the controller reaches each routed service's port, and no other port`, () => {
      const objs = allObjects(renderFixture(yaml));
      for (const [component, port] of [
        ['supabase-auth', 9999],
        ['supabase-rest', 3000],
        ['supabase-storage', 5000],
        ['service-main-api', 8080],
      ] as const) {
        assert.ok(ingressAllowed(objs, CONTROLLER, podOf(objs, component), port), `controller -> ${component}:${port}`);
        assert.ok(!ingressAllowed(objs, CONTROLLER, podOf(objs, component), port + 1), `not ${component}:${port + 1}`);
      }
      assert.ok(!ingressAllowed(objs, CONTROLLER, podOf(objs, 'supabase-rest'), 3001), "not PostgREST's admin port");
      assert.ok(ingressAllowed(objs, podOf(objs, 'supabase-storage'), podOf(objs, 'supabase-rest'), 3000));
      // agents has no route: only its sibling services call it.
      const agents = podOf(objs, 'service-agents');
      assert.ok(!ingressAllowed(objs, CONTROLLER, agents, 8090));
      assert.ok(ingressAllowed(objs, podOf(objs, 'service-main-api'), agents, 8090));
      assert.ok(!ingressAllowed(objs, podOf(objs, 'supabase-rest'), agents, 8090));
    });
  }

  test('postgres.allowedClientCidrs, which pg_hba admits, get an ipBlock on 5432; the default loopback does not', () => {
    const ipBlocks = (yaml: string) =>
      JSON.stringify(allObjects(renderFixture(yaml)).filter((o) => o.kind === 'NetworkPolicy')).match(
        /"ipBlock":\{[^}]*\}/g,
      ) ?? [];
    assert.deepEqual(ipBlocks(MINIMAL_YAML), []);
    assert.deepEqual(ipBlocks('postgres:\n  allowedClientCidrs: [127.0.0.1/32, 192.168.7.0/24]\n' + MINIMAL_YAML), [
      '"ipBlock":{"cidr":"192.168.7.0/24"}',
    ]);
  });

  test('hosts: PostgreSQL is on the servers, so no policy for Patroni pods; the apps are still isolated', () => {
    const objs = allObjects(renderFixture(HOSTS_YAML));
    assert.ok(!objs.some((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'garden-postgres'));
    assert.ok(ingressAllowed(objs, CONTROLLER, podOf(objs, 'supabase-rest'), 3000));
    assert.ok(!ingressAllowed(objs, CONTROLLER, podOf(objs, 'service-agents'), 8090));
  });
});
