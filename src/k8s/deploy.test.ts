// Deploy against a fake API server: order, waiting, idempotency, timeouts and failures.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GardenError } from '../errors.js';
import { silentReporter } from '../runtime/index.js';
import { FAKE_ETCD_TLS, FAKE_SECRETS, FULL_YAML, MINIMAL_YAML, specFrom } from '../render/k8s/fixtures.js';
import { renderK8s } from '../render/k8s/index.js';
import { buildDeployPlan, formatPlan } from './deploy-plan.js';
import { deploy, type Clock } from './deploy.js';
import { FakeCluster } from './fake-cluster.js';

function fakeClock(): Clock & { slept: number } {
  let t = 0;
  return {
    slept: 0,
    now: () => t,
    async sleep(ms) {
      t += ms;
      this.slept += ms;
    },
  };
}

const planOf = (yaml: string) => {
  const spec = specFrom(yaml);
  return buildDeployPlan(spec, renderK8s({ spec, secrets: FAKE_SECRETS, etcdTls: FAKE_ETCD_TLS }));
};

const indexOf = (events: string[], prefix: string) => {
  const i = events.findIndex((e) => e.startsWith(prefix));
  assert.ok(i >= 0, `no event "${prefix}" in:\n${events.join('\n')}`);
  return i;
};

describe('deploy', () => {
  test('the plan follows the dependency order', () => {
    assert.deepEqual(
      planOf(FULL_YAML).map((s) => s.title),
      [
        'namespace',
        'storage',
        'RBAC and secrets',
        'Patroni and the router',
        'Supabase DB bootstrap (Job garden-supabase-bootstrap)',
        'Supabase services',
        'services',
        'routing',
      ],
    );
    assert.deepEqual(
      planOf(MINIMAL_YAML).map((s) => s.title),
      ['namespace', 'RBAC and secrets', 'Patroni and the router'],
    );
    const text = formatPlan(planOf(FULL_YAML));
    assert.match(text, /4\. Patroni and the router\n(.*\n)*\s+wait {2}for a Ready leader pod/);
    assert.match(text, /apply HTTPRoute\/garden-rest/);
  });

  test('applies step by step: the bootstrap Job only after a leader, Supabase only after the Job succeeded', async () => {
    const cluster = new FakeCluster();
    const clock = fakeClock();
    const result = await deploy(planOf(FULL_YAML), { api: cluster, reporter: silentReporter, clock, intervalMs: 1000 });
    const e = cluster.events;
    assert.equal(result.applied, cluster.objects.size);
    assert.ok(indexOf(e, 'ready Namespace/gardenos') < indexOf(e, 'apply Secret/garden-postgres'));
    assert.ok(indexOf(e, 'ready StatefulSet/garden-postgres') < indexOf(e, 'leader garden-postgres-0'));
    assert.ok(indexOf(e, 'leader garden-postgres-0') < indexOf(e, 'apply Job/garden-supabase-bootstrap'));
    assert.ok(indexOf(e, 'ready Job/garden-supabase-bootstrap') < indexOf(e, 'apply Deployment/garden-auth'));
    assert.ok(indexOf(e, 'ready Deployment/garden-storage') < indexOf(e, 'apply Deployment/main-api'));
    assert.ok(indexOf(e, 'ready Deployment/agents') < indexOf(e, 'apply Gateway/garden'));
    assert.ok(clock.slept > 0, 'it waited');
  });

  test('is idempotent: a second deploy changes no object', async () => {
    const cluster = new FakeCluster();
    const plan = planOf(FULL_YAML);
    await deploy(plan, { api: cluster, reporter: silentReporter, clock: fakeClock() });
    const generations = [...cluster.objects.values()].map((o) => o.metadata.generation);
    cluster.events.length = 0;
    await deploy(plan, { api: cluster, reporter: silentReporter, clock: fakeClock() });
    assert.ok(cluster.events.filter((x) => x.startsWith('apply ')).length === 0, cluster.events.join('\n'));
    assert.deepEqual(
      [...cluster.objects.values()].map((o) => o.metadata.generation),
      generations,
    );
  });

  test('a StatefulSet that never gets ready times out with what was left behind, and stops there', async () => {
    const cluster = new FakeCluster();
    cluster.readyAfter = (ref) => (ref.kind === 'StatefulSet' ? Infinity : 1);
    const progress: string[] = [];
    const reporter = { step: () => () => undefined, info: (t: string) => progress.push(t) };
    await assert.rejects(
      deploy(planOf(FULL_YAML), { api: cluster, reporter, clock: fakeClock(), timeoutMs: 60_000 }),
      (err: unknown) =>
        err instanceof GardenError &&
        err.code === 'TIMEOUT' &&
        /Patroni and the router/.test(err.message) &&
        /0 of 3 pods ready/.test(err.message) &&
        /steps 1-4 were applied/.test(err.leftBehind ?? '') &&
        err.hint.length > 0,
    );
    assert.ok(!cluster.events.some((x) => x.includes('Job/')), 'nothing after the stuck step');
    assert.ok(
      progress.some((p) => /waiting: StatefulSet\/garden-postgres/.test(p)),
      'progress names what it waits for',
    );
  });

  test('a failed bootstrap Job and a refused apply are DEPLOY_FAILED with hints', async () => {
    const failing = new FakeCluster();
    failing.failJob = true;
    await assert.rejects(
      deploy(planOf(FULL_YAML), { api: failing, reporter: silentReporter, clock: fakeClock() }),
      (err: unknown) =>
        err instanceof GardenError &&
        err.code === 'DEPLOY_FAILED' &&
        /backoff limit/.test(err.message) &&
        /kubectl -n gardenos logs job\//.test(err.hint),
    );
    const refusing = new FakeCluster();
    refusing.failApply = (o) => (o.kind === 'Role' ? new Error('forbidden: cannot create roles') : undefined);
    await assert.rejects(
      deploy(planOf(FULL_YAML), { api: refusing, reporter: silentReporter, clock: fakeClock() }),
      (err: unknown) =>
        err instanceof GardenError &&
        err.code === 'DEPLOY_FAILED' &&
        /Role\/garden-router .*forbidden/.test(err.message) &&
        /steps 1-2 were completed/.test(err.leftBehind ?? ''),
    );
  });
});
