// Router unit tests: a fake leader source, an in-memory route target and a confirmer the test controls.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRouterMetrics, type RouterMetrics } from './metrics.js';
import { runRouteTargetConformance } from './route-target.conformance.js';
import { Router, type RouterOptions } from './router.js';
import { waitFor } from '../../test/support/processes.js';
import { FakeConfirmer, FakeLeaderSource, MemoryLog, MemoryRouteTarget } from './test-support/router-fakes.js';

// The fake target must behave like the real ones, or the router tests below would prove nothing.
runRouteTargetConformance('in-memory fake used by the router tests', async () => {
  const members = ['pg1', 'pg2', 'pg3'];
  const target = new MemoryRouteTarget(members);
  return { target, peer: () => target.peer(), members, teardown: async () => undefined };
});

interface Rig {
  router: Router;
  source: FakeLeaderSource;
  target: MemoryRouteTarget;
  confirmer: FakeConfirmer;
  log: MemoryLog;
  metrics: RouterMetrics;
}

const started: Router[] = [];

/** Starts a router whose source first reads `leader` at `revision`; every member confirms unless told otherwise. */
async function rig(
  opts: {
    leader?: string | null;
    revision?: number;
    ready?: string[];
    confirming?: string[];
  } & Partial<RouterOptions> = {},
): Promise<Rig> {
  const source = new FakeLeaderSource(opts.leader ?? null, opts.revision ?? 11);
  const target = new MemoryRouteTarget(['pg1', 'pg2', 'pg3']);
  target.ready = opts.ready ?? [];
  const confirmer = new FakeConfirmer();
  for (const m of opts.confirming ?? ['pg1', 'pg2', 'pg3']) confirmer.confirming.add(m);
  const log = new MemoryLog();
  const metrics = createRouterMetrics();
  const router = new Router({
    source,
    target,
    log,
    metrics,
    confirm: confirmer.confirm,
    reconcileIntervalMs: opts.reconcileIntervalMs ?? 60_000,
    confirmTimeoutMs: opts.confirmTimeoutMs ?? 5000,
  });
  started.push(router);
  await router.start();
  await router.idle();
  return { router, source, target, confirmer, log, metrics };
}

async function histogramCount(metrics: RouterMetrics): Promise<number> {
  const text = await metrics.registry.getSingleMetricAsString('gardenos_router_leader_to_route_seconds');
  const m = /^gardenos_router_leader_to_route_seconds_count (\d+)$/m.exec(text);
  assert.ok(m, `no histogram count in:\n${text}`);
  return Number(m[1]);
}

describe('Router', () => {
  afterEach(async () => {
    await Promise.all(started.splice(0).map((r) => r.stop()));
  });

  test('routes to a confirmed leader and says why, in one sentence', async () => {
    const { router, source, target, log } = await rig();
    assert.deepEqual(target.applied, [], 'nothing to route while the key is absent');
    source.push('pg1', 12);
    await router.idle();
    assert.deepEqual(target.ready, ['pg1']);
    assert.deepEqual(log.decisions, ['routed primary to pg1: leader key changed at revision 12']);
    assert.equal(router.view.routedTo, 'pg1');
    assert.equal(router.view.lastDecision, 'routed primary to pg1: leader key changed at revision 12');
    assert.equal(router.view.revision, '12');
  });

  test('an unconfirmed leader is not routed until it answers /primary', async () => {
    const { router, source, target, confirmer, log } = await rig({ leader: 'pg1', revision: 12, confirming: ['pg1'] });
    assert.deepEqual(target.ready, ['pg1']);
    source.push('pg2', 13);
    await waitFor('the router to ask pg2 a few times', () => confirmer.asked.filter((m) => m === 'pg2').length >= 3);
    assert.ok(!target.ready.includes('pg2'), 'pg2 was routed before it confirmed');
    assert.ok(!target.applied.some((r) => r.primary === 'pg2'));
    confirmer.confirming.add('pg2');
    await router.idle();
    assert.deepEqual(target.ready, ['pg2']);
    assert.equal(log.decisions.at(-1), 'routed primary to pg2: leader key changed at revision 13');
  });

  test('the reconcile timer re-reading the same revision mid-confirm keeps the event as the cause', async () => {
    // Seen in CI: a timer tick during a switchover's confirm replaced the event, so the decision
    // (and the leader-to-route histogram, which counts events only) credited the timer.
    const { router, source, target, confirmer, log, metrics } = await rig({
      leader: 'pg1',
      revision: 12,
      confirming: ['pg1'],
      reconcileIntervalMs: 10,
    });
    const events = await histogramCount(metrics);
    source.push('pg2', 13);
    const ticks = source.reads;
    await waitFor('the timer to re-read the key while pg2 is unconfirmed', () => source.reads >= ticks + 3);
    assert.ok(!target.ready.includes('pg2'));
    confirmer.confirming.add('pg2');
    await waitFor('pg2 to be routed', () => target.ready[0] === 'pg2');
    await router.idle();
    assert.equal(log.decisions.at(-1), 'routed primary to pg2: leader key changed at revision 13');
    assert.equal(await histogramCount(metrics), events + 1);
  });

  test('a leader that never confirms gets the primary unrouted after confirmTimeoutMs, then routed once it confirms', async () => {
    // The reconcile timer ticks faster than the confirm timeout: its re-reads of the same leader must not
    // restart the wait, or the old primary would stay routed for as long as the new leader stays silent.
    const { source, target, confirmer, log } = await rig({
      leader: 'pg1',
      revision: 12,
      confirming: ['pg1'],
      reconcileIntervalMs: 50,
      confirmTimeoutMs: 300,
    });
    source.push('pg2', 13);
    await waitFor(
      'the unrouted decision',
      () => log.decisions.includes('unrouted primary: pg2 does not confirm /primary yet at revision 13'),
      3000,
    );
    assert.deepEqual(target.ready, []);
    confirmer.confirming.add('pg2');
    await waitFor('pg2 to be routed by the reconcile timer', () => target.ready[0] === 'pg2', 3000);
    assert.equal(log.decisions.at(-1), 'routed primary to pg2: reconcile timer at revision 13');
  });

  test('a leader that timed out once gets a full confirm wait when it takes the key again later', async () => {
    const { router, source, target, confirmer, log } = await rig({
      leader: 'pg1',
      revision: 12,
      confirming: ['pg1'],
      confirmTimeoutMs: 200,
    });
    source.push('pg2', 13);
    await router.idle();
    assert.equal(log.decisions.at(-1), 'unrouted primary: pg2 does not confirm /primary yet at revision 13');
    source.push(null, 14);
    await router.idle();
    source.push('pg2', 15);
    // pg2 is promoting: it answers /primary a little after taking the key, well within the timeout.
    setTimeout(() => confirmer.confirming.add('pg2'), 60);
    await router.idle();
    assert.deepEqual(target.ready, ['pg2']);
    assert.equal(log.decisions.at(-1), 'routed primary to pg2: leader key changed at revision 15');
  });

  test('leader key deleted: nobody is routed', async () => {
    const { router, source, target, log } = await rig({ leader: 'pg1', revision: 12 });
    assert.deepEqual(target.ready, ['pg1']);
    source.push(null, 14);
    await router.idle();
    assert.deepEqual(target.ready, []);
    assert.equal(log.decisions.at(-1), 'unrouted primary: leader key deleted at revision 14');
    assert.equal(router.view.routedTo, null);
  });

  test('a missed event is healed by the reconcile timer', async () => {
    const { source, target, log } = await rig({ leader: 'pg1', revision: 12, reconcileIntervalMs: 50 });
    assert.deepEqual(target.ready, ['pg1']);
    source.changeSilently('pg2', 15);
    await waitFor('the timer to route pg2', () => target.ready[0] === 'pg2', 2000);
    assert.deepEqual(target.ready, ['pg2']);
    assert.equal(log.decisions.at(-1), 'routed primary to pg2: reconcile timer at revision 15');
  });

  test('when the target already matches, apply is never called (nor the leader asked on key refreshes)', async () => {
    const { router, source, target, confirmer, log } = await rig({ leader: 'pg1', revision: 12, ready: ['pg1'] });
    confirmer.asked.length = 0; // on start the router does not know yet what is routed, and may ask once
    source.push('pg1', 13); // Patroni refreshing its leader key
    source.push('pg1', 14);
    await router.idle();
    assert.deepEqual(target.applied, []);
    assert.deepEqual(confirmer.asked, []);
    assert.deepEqual(log.decisions, []);
    assert.equal(router.view.routedTo, 'pg1');
  });

  test("a new leader is asked for /primary while the target's state is still being read", async () => {
    const { router, source, target, confirmer, log } = await rig({ leader: 'pg1', revision: 12 });
    target.holdActual();
    source.push('pg2', 13);
    await waitFor('pg2 to be asked before the target answers', () => confirmer.asked.includes('pg2'));
    assert.deepEqual(target.ready, ['pg1'], 'nothing applied before the target state is known');
    target.releaseActual();
    await router.idle();
    assert.deepEqual(target.ready, ['pg2']);
    assert.equal(log.decisions.at(-1), 'routed primary to pg2: leader key changed at revision 13');
  });

  test('the newest observation wins when several arrive during a slow confirm', async () => {
    const { router, source, target, confirmer, log } = await rig({ leader: 'pg1', revision: 12 });
    target.applied.length = 0;
    confirmer.hold();
    source.push('pg2', 13);
    await waitFor('the confirm of pg2 to start', () => confirmer.asked.includes('pg2'));
    source.push('pg1', 14);
    source.push('pg3', 15);
    confirmer.release();
    await router.idle();
    assert.deepEqual(target.applied, [{ primary: 'pg3' }], 'an older observation was applied');
    assert.deepEqual(target.ready, ['pg3']);
    assert.equal(log.decisions.at(-1), 'routed primary to pg3: leader key changed at revision 15');
  });

  test('a failing apply is retried until it succeeds', async () => {
    const { router, source, target, log, metrics } = await rig();
    target.failNext = 2;
    source.push('pg1', 12);
    await router.idle();
    assert.deepEqual(target.applied, [{ primary: 'pg1' }, { primary: 'pg1' }, { primary: 'pg1' }]);
    assert.deepEqual(target.ready, ['pg1']);
    assert.equal(
      log.warnings.filter((w) => w.startsWith('could not apply routes for revision 12: injected apply failure')).length,
      2,
    );
    assert.equal(log.decisions.at(-1), 'routed primary to pg1: leader key changed at revision 12');
    assert.match(
      await metrics.registry.getSingleMetricAsString('gardenos_router_route_changes_total'),
      /route_changes_total\{target="memory"\} 1$/m,
    );
  });

  test('the event -> route histogram observes event-driven changes only', async () => {
    const { router, source, target, metrics } = await rig({ reconcileIntervalMs: 50 });
    assert.equal(await histogramCount(metrics), 0);
    source.push('pg1', 12);
    await router.idle();
    assert.equal(await histogramCount(metrics), 1);
    source.changeSilently('pg2', 13); // healed by the timer: not an event
    await waitFor('the timer to route pg2', () => target.ready[0] === 'pg2', 2000);
    await router.idle();
    assert.equal(await histogramCount(metrics), 1);
    source.push(null, 14);
    await waitFor('the unroute', () => target.ready.length === 0, 2000);
    await router.idle();
    assert.equal(await histogramCount(metrics), 2);
    assert.match(
      await metrics.registry.getSingleMetricAsString('gardenos_router_route_changes_total'),
      /route_changes_total\{target="memory"\} 3$/m,
    );
  });

  test('two routers on one target: both follow the leader, and one lagging behind cannot route the old leader back', async () => {
    const { router: first, source, target, confirmer } = await rig({ leader: 'pg1', revision: 12 });
    const lagging = new FakeLeaderSource('pg1', 12);
    const second = new Router({
      source: lagging,
      target: target.peer(),
      log: new MemoryLog(),
      metrics: createRouterMetrics(),
      confirm: confirmer.confirm,
      reconcileIntervalMs: 60_000,
      confirmTimeoutMs: 300,
    });
    started.push(second);
    await second.start();
    await second.idle();
    assert.deepEqual(target.ready, ['pg1']);
    // pg1 is demoted: it stops answering /primary, and pg2 takes the key. Only the first router hears of it.
    confirmer.confirming.delete('pg1');
    source.push('pg2', 13);
    await first.idle();
    assert.deepEqual(target.ready, ['pg2']);
    // The lagging router re-reads its stale key (pg1): pg1 does not confirm, so it must not take the route
    // back. After its confirm timeout it errs on the safe side (nobody routed) until it hears of pg2.
    lagging.push('pg1', 12);
    await second.idle();
    assert.ok(
      !target.ready.includes('pg1'),
      `the lagging router routed the demoted pg1: ${JSON.stringify(target.ready)}`,
    );
    assert.ok(target.ready.length <= 1);
    // Once it hears of pg2, both agree.
    lagging.push('pg2', 13);
    await second.idle();
    assert.deepEqual(target.ready, ['pg2']);
  });

  test('watch errors are counted in the view and the metrics', async () => {
    const { router, source, metrics, log } = await rig();
    source.failWatch('stream closed');
    assert.equal(router.view.watchErrors, 1);
    assert.match(
      await metrics.registry.getSingleMetricAsString('gardenos_router_watch_errors_total'),
      /watch_errors_total 1$/m,
    );
    assert.match(log.warnings.at(-1) ?? '', /stream closed/);
  });
});
