// The router's pause for a switchover requested in the DCS: taken once, resumed on the new leader's
// route, on a refused request or at the hold limit, never taken over someone else's, never left held.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PoolerAdminError, type PauseOutcome, type PoolerControl } from '../pooler/index.js';
import { createRouterMetrics } from './metrics.js';
import { SwitchoverPause } from './switchover-pause.js';

class FakePooler implements PoolerControl {
  calls: string[] = [];
  paused = false;
  /** Set to make the next PAUSE wait until released, answer 'timed-out', or fail. */
  pauseGate: Promise<void> | undefined;
  pauseOutcome: 'paused' | 'timed-out' | Error = 'paused';
  async pause(_timeoutMs: number, cancel?: AbortSignal): Promise<PauseOutcome> {
    this.calls.push('PAUSE');
    const cancelled = new Promise<'cancelled'>((r) => cancel?.addEventListener('abort', () => r('cancelled')));
    if ((await Promise.race([this.pauseGate, cancelled])) === 'cancelled') {
      this.calls.push('RESUME'); // PgbouncerControl calls an unfinished PAUSE off by RESUME
      return 'cancelled';
    }
    if (this.pauseOutcome instanceof Error) throw this.pauseOutcome;
    this.paused = this.pauseOutcome === 'paused';
    return this.pauseOutcome;
  }
  async resume(): Promise<void> {
    this.calls.push('RESUME');
    this.paused = false;
  }
  async routedTo(): Promise<string | null> {
    return null;
  }
}

function setup(over: { holdLimitMs?: number; leader?: string; confirm?: boolean } = {}) {
  const pooler = new FakePooler();
  const metrics = createRouterMetrics();
  const lines: string[] = [];
  const world = { routedTo: 'pg1' as string | null, leader: over.leader ?? 'pg1', inRecovery: new Set<string>() };
  const pause = new SwitchoverPause({
    control: pooler,
    pauseTimeoutMs: 1000,
    holdLimitMs: over.holdLimitMs ?? 60_000,
    log: { decision: (s) => lines.push(s), warn: (s) => lines.push(`warn: ${s}`) },
    metrics,
    routedTo: () => world.routedTo,
    leader: () => world.leader,
    confirm: async () => over.confirm ?? true,
    writable: async (member) => !world.inRecovery.has(member),
  });
  const gauge = async () => (await metrics.poolerPaused.get()).values[0]?.value;
  return { pooler, pause, lines, world, gauge, metrics };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a switchover request pauses PgBouncer; the route to the new leader resumes it', async () => {
  const { pooler, pause, lines, world, gauge, metrics } = setup();
  pause.request({ leader: 'pg1', member: 'pg2' });
  await until(() => pooler.paused, 'the pause');
  assert.equal(await gauge(), 1);
  assert.notEqual(pause.pausedSince, null);
  pause.routed('pg1'); // the old leader, still routed: not the end of the switchover
  world.routedTo = 'pg2';
  world.inRecovery.add('pg2'); // answers /primary while its promotion finishes
  pause.routed('pg2');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(
    pooler.paused,
    true,
    `released onto a server still in recovery, writes would fail: ${lines.join(' / ')}`,
  );
  world.inRecovery.delete('pg2');
  await until(() => !pooler.paused, 'the resume');
  assert.deepEqual(pooler.calls, ['PAUSE', 'RESUME']);
  assert.equal(await gauge(), 0);
  assert.equal(pause.pausedSince, null);
  assert.match(lines.at(-1)!, /PgBouncer resumed after \d+\.\d\d s: PgBouncer routes to the new leader pg2/);
  const held = (await metrics.poolerPauseSeconds.get()).values.find((v) => v.metricName?.endsWith('_count'));
  assert.equal(held?.value, 1);
  await pause.stop();
  assert.deepEqual(pooler.calls, ['PAUSE', 'RESUME']);
});

test('a pause already held by gardenos switchover is left to it', async () => {
  const { pooler, pause, lines, metrics } = setup();
  pooler.pauseOutcome = new PoolerAdminError('PAUSE', 'already suspended/paused');
  pause.request({ leader: 'pg1', member: 'pg2' });
  await until(() => lines.length > 0, 'a decision');
  pause.routed('pg2');
  await pause.stop();
  assert.deepEqual(pooler.calls, ['PAUSE']);
  assert.match(lines[0]!, /already paused by whoever asked for it/);
  const outcome = (await metrics.poolerPauses.get()).values[0];
  assert.deepEqual([outcome?.labels.outcome, outcome?.value], ['held-elsewhere', 1]);
});

test('a request Patroni drops with the leader unchanged resumes at once; one that went ahead waits for the route', async () => {
  const refused = setup();
  refused.pause.request({ leader: 'pg1', member: 'pg2' });
  await until(() => refused.pooler.paused, 'the pause');
  refused.pause.request(null);
  await until(() => !refused.pooler.paused, 'the resume');
  assert.match(refused.lines.at(-1)!, /request was dropped and pg1 is still the primary/);

  const done = setup({ leader: 'pg2' });
  done.pause.request({ leader: 'pg1', member: 'pg2' });
  await until(() => done.pooler.paused, 'the pause');
  done.world.routedTo = null; // un-routed while the new leader confirms
  done.pause.request(null);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(done.pooler.paused, true, 'the cleared key alone must not let clients reach the demoted primary');
  done.world.routedTo = 'pg2';
  done.pause.routed('pg2');
  await until(() => !done.pooler.paused, 'the resume');
  await done.pause.stop();
});

test('the hold limit and stop() both resume; a pause that timed out is not held', async () => {
  const limited = setup({ holdLimitMs: 30 });
  limited.pause.request({ leader: 'pg1' });
  await until(() => limited.pooler.calls.length === 2, 'PAUSE then RESUME');
  assert.match(limited.lines.at(-1)!, /hold limit \(30 ms\) passed without a new leader/);

  const stopping = setup();
  stopping.pause.request({ leader: 'pg1' });
  await until(() => stopping.pooler.paused, 'the pause');
  await stopping.pause.stop();
  assert.equal(stopping.pooler.paused, false);
  stopping.pause.request({ leader: 'pg1' });
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(stopping.pooler.calls, ['PAUSE', 'RESUME'], 'no pause after stop');

  const slow = setup();
  slow.pooler.pauseOutcome = 'timed-out';
  slow.pause.request({ leader: 'pg1' });
  await until(() => slow.lines.length > 0, 'a warning');
  assert.match(slow.lines[0]!, /did not finish within 1000 ms/);
  await slow.pause.stop();
  assert.deepEqual(slow.pooler.calls, ['PAUSE']);
});

test('a route that moved while PAUSE waited resumes right after it; a request naming another leader is ignored', async () => {
  const { pooler, pause, world } = setup();
  let release!: () => void;
  pooler.pauseGate = new Promise<void>((r) => (release = r));
  pause.request({ leader: 'pg1', member: 'pg2' });
  await until(() => pooler.calls.length === 1, 'PAUSE sent');
  world.routedTo = 'pg2';
  pause.routed('pg2');
  release();
  await until(() => pooler.calls.length === 2, 'RESUME');
  assert.equal(pooler.paused, false);

  const other = setup();
  other.pause.request({ leader: 'pg3', member: 'pg2' });
  await until(() => other.lines.length > 0, 'a warning');
  assert.match(other.lines[0]!, /names pg3 as leader, but PgBouncer routes to pg1: not pausing/);
  assert.deepEqual(other.pooler.calls, []);
});

test('a PAUSE still waiting when the new leader takes writes is called off: clients go on to it, nothing is held', async () => {
  const { pooler, pause, world, lines, metrics, gauge } = setup();
  pooler.pauseGate = new Promise<void>(() => undefined); // an in-flight transaction that never ends
  pause.request({ leader: 'pg1', member: 'pg2' });
  await until(() => pooler.calls.length === 1, 'PAUSE sent');
  pause.routed('pg1'); // still the old leader: nothing to call off
  world.routedTo = 'pg2';
  world.inRecovery.add('pg2');
  pause.routed('pg2');
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(pooler.calls, ['PAUSE'], 'called off while the new leader was still in recovery');
  world.inRecovery.delete('pg2');
  await until(() => pooler.calls.length === 2, 'the pause called off');
  await until(() => lines.length > 0, 'the decision');
  assert.deepEqual(pooler.calls, ['PAUSE', 'RESUME']);
  assert.match(lines[0]!, /pg2 took writes before PAUSE finished .* so the pause was called off/);
  assert.equal(pause.pausedSince, null);
  assert.equal(await gauge(), 0);
  const counted = (await metrics.poolerPauses.get()).values.find((v) => v.labels.outcome === 'cancelled');
  assert.equal(counted?.value, 1);
  await pause.stop();
  assert.deepEqual(pooler.calls, ['PAUSE', 'RESUME'], 'stop() found no pause to end');
});

test('a scheduled switchover is paused for just before its time', async () => {
  const { pooler, pause, lines } = setup();
  pause.request({ leader: 'pg1', scheduledAt: new Date(Date.now() + 600) });
  assert.match(lines[0]!, /scheduled at .*: PgBouncer will be paused just before it/);
  assert.deepEqual(pooler.calls, []);
  await until(() => pooler.paused, 'the scheduled pause');
  await pause.stop();
  assert.deepEqual(pooler.calls, ['PAUSE', 'RESUME']);
});
