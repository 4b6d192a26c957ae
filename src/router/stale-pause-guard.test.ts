import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PoolerStatus } from '../ops/pooler-status.js';
import { PgbouncerControl } from '../pooler/index.js';
import { startPgbouncer } from '../pooler/test-support/pgbouncer-harness.js';
import { StalePauseGuard } from './stale-pause-guard.js';

function world(over: Partial<PoolerStatus> = {}) {
  const w = {
    status: {
      port: 6432,
      mode: 'transaction',
      reachable: true,
      routedTo: 'pg1',
      clientsWaiting: 3,
      longestWaitS: 61,
      serverConnections: [],
      ...over,
    } as PoolerStatus,
    paused: true,
    underWay: false,
    resumes: 0,
    counted: 0,
    warnings: [] as string[],
  };
  const guard = new StalePauseGuard({
    status: async () => w.status,
    resumeIfPaused: async () => {
      w.resumes++;
      const was = w.paused;
      w.paused = false;
      return was;
    },
    switchoverUnderWay: () => w.underWay,
    limitS: 60,
    intervalMs: 60_000,
    log: { decision: () => undefined, warn: (s) => w.warnings.push(s) },
    resumed: { inc: () => void w.counted++ },
  });
  return { w, guard };
}

test('clients waiting past the limit with no switchover under way: the pause left behind is ended, logged and counted', async () => {
  const { w, guard } = world();
  assert.equal(await guard.check(), true);
  assert.equal(w.paused, false);
  assert.equal(w.counted, 1);
  assert.match(w.warnings[0]!, /paused with 3 clients waiting up to 61 s and no switchover under way .*resumed it/);
});

test('left alone: a switchover under way, waits under the limit, nobody waiting, an unreachable pooler', async () => {
  for (const [what, over, underWay] of [
    ['a switchover under way', {}, true],
    ['waits under the limit', { longestWaitS: 59 }, false],
    ['nobody waiting', { clientsWaiting: 0, longestWaitS: 0 }, false],
    ['unreachable', { reachable: false }, false],
  ] as const) {
    const { w, guard } = world(over);
    w.underWay = underWay;
    assert.equal(await guard.check(), false, what);
    assert.equal(w.resumes, 0, `${what}: no RESUME`);
  }
});

test('a full pool (clients waiting, nothing paused): RESUME finds nothing to end, nothing is counted or logged', async () => {
  const { w, guard } = world();
  w.paused = false;
  assert.equal(await guard.check(), false);
  assert.equal(w.resumes, 1);
  assert.equal(w.counted, 0);
  assert.deepEqual(w.warnings, []);
});

test('two checks at once make one look', async () => {
  const { w, guard } = world();
  const [a, b] = await Promise.all([guard.check(), guard.check()]);
  assert.deepEqual([a, b], [true, true]);
  assert.equal(w.resumes, 1);
});

test('on a real PgBouncer, resumeIfPaused tells a pause it ended from a pooler that was not paused', async () => {
  const h = await startPgbouncer();
  try {
    const control = new PgbouncerControl(h.admin, []);
    assert.equal(await control.resumeIfPaused(), false, 'not paused');
    // No server connections: PAUSE answers at once.
    await h.admin.run('PAUSE');
    assert.equal(await control.resumeIfPaused(), true, 'paused, then resumed');
    assert.equal(await control.resumeIfPaused(), false, 'resumed already');
  } finally {
    await h.stop();
  }
});
