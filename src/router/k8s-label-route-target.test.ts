// K8sLabelRouteTarget against an in-memory PodApi. No Kubernetes API server runs here, so this target is only
// tested against the fake (FakePodApi enforces resourceVersion the way the API server does); the real PodApi
// (k8s-pod-api.ts) is a thin merge-patch over @kubernetes/client-node and is not exercised by these tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { K8sLabelRouteTarget } from './k8s-label-route-target.js';
import { runRouteTargetConformance } from './route-target.conformance.js';
import { ConflictError, FakePodApi } from './test-support/fake-pod-api.js';

const MEMBERS = ['pg-0', 'pg-1', 'pg-2'];

runRouteTargetConformance('Kubernetes role labels (fake PodApi)', async () => {
  const api = new FakePodApi(MEMBERS);
  return {
    target: new K8sLabelRouteTarget(api),
    peer: () => new K8sLabelRouteTarget(api),
    members: MEMBERS,
    teardown: async () => undefined,
  };
});

test('the fake PodApi rejects a stale resourceVersion and bumps it on every write', async () => {
  const api = new FakePodApi(['a']);
  const [pod] = await api.listPods();
  await api.setRole('a', 'primary', pod!.resourceVersion);
  const after = api.pod('a')!;
  assert.ok(Number(after.resourceVersion) > Number(pod!.resourceVersion));
  await assert.rejects(api.setRole('a', 'replica', pod!.resourceVersion), ConflictError);
  assert.equal(api.pod('a')!.role, 'primary');
});

test('a label changed by someone else between read and write makes apply reject instead of overwriting', async () => {
  const api = new FakePodApi(MEMBERS, { 'pg-0': 'primary', 'pg-1': 'replica', 'pg-2': 'replica' });
  const target = new K8sLabelRouteTarget(api);
  // An operator relabels pg-0 right after the router listed the pods: the router's demotion of pg-0
  // still carries the old resourceVersion.
  api.afterNextList = () => api.externalLabel('pg-0', 'maintenance');

  await assert.rejects(target.apply({ primary: 'pg-1' }), (err: Error & { code?: number }) => err.code === 409);

  assert.equal(api.pod('pg-0')!.role, 'maintenance', "the operator's label was overwritten");
  assert.deepEqual(api.writes, [{ name: 'pg-0', role: 'replica', ok: false }]);
  // Demotion failed, so promotion never ran: the Service selects nobody new.
  assert.deepEqual((await target.actual()).ready, []);

  // The next attempt (the router retries) reads fresh versions and succeeds.
  await target.apply({ primary: 'pg-1' });
  assert.deepEqual((await target.actual()).ready, ['pg-1']);
  assert.equal(api.pod('pg-0')!.role, 'replica');
});

test('apply skips pods that already carry the right label (no needless writes)', async () => {
  const api = new FakePodApi(MEMBERS, { 'pg-0': 'replica', 'pg-1': 'primary', 'pg-2': 'replica' });
  await new K8sLabelRouteTarget(api).apply({ primary: 'pg-1' });
  assert.deepEqual(api.writes, []);
});

test('a pod that is labelled primary but not Ready is ready yet not routable', async () => {
  const api = new FakePodApi(MEMBERS, { 'pg-2': 'primary' });
  const target = new K8sLabelRouteTarget({
    listPods: async () => (await api.listPods()).map((p) => ({ ...p, ready: p.name !== 'pg-2' })),
    setRole: (n, r, v) => api.setRole(n, r, v),
  });
  const a = await target.actual();
  assert.deepEqual(a.ready, ['pg-2']);
  assert.deepEqual(a.routable, []);
});
