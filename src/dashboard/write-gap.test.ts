import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WriteGapTracker, type ProbeSample } from './write-gap.js';

const ok = (at: number, member: string): ProbeSample => ({ at, writable: true, member });
const down = (at: number, error = 'connection refused'): ProbeSample => ({ at, writable: false, member: null, error });

describe('write gap from probe samples', () => {
  test('a switchover: the gap runs from the last write on the old leader to the first on the new', () => {
    const t = new WriteGapTracker();
    const samples = [ok(1000, 'pg1'), ok(1100, 'pg1'), down(1200), down(1300), ok(1420, 'pg2'), ok(1520, 'pg2')];
    const changes = samples.map((s) => t.observe(s)).filter((c) => c !== undefined);
    assert.deepEqual(changes, [
      {
        from: 'pg1',
        to: 'pg2',
        lastWriteAt: new Date(1100).toISOString(),
        firstWriteAt: new Date(1420).toISOString(),
        gapMs: 320,
      },
    ]);
    assert.deepEqual(t.timeline(), changes);
    assert.deepEqual(t.current(), {
      writable: true,
      member: 'pg2',
      since: new Date(1420).toISOString(),
      error: null,
    });
  });

  test('a replica answering the primary port is no write; the outage on one member is no change', () => {
    const t = new WriteGapTracker();
    t.observe(ok(0, 'pg1'));
    t.observe({ at: 100, writable: false, member: 'pg2', error: 'answered by a replica' });
    assert.equal(t.current().writable, false);
    assert.equal(t.current().error, 'answered by a replica');
    assert.equal(t.observe(down(200)), undefined);
    assert.equal(t.observe(ok(300, 'pg1')), undefined);
    assert.deepEqual(t.timeline(), []);
  });

  test('a change between two writable samples has a gap under one interval', () => {
    const t = new WriteGapTracker();
    t.observe(ok(0, 'pg1'));
    assert.equal(t.observe(ok(90, 'pg2'))?.gapMs, 90);
  });

  test('the first write seen is no change; the state keeps its start while it lasts', () => {
    const t = new WriteGapTracker();
    assert.equal(t.current().since, null);
    t.observe(down(0));
    t.observe(down(100, 'timeout'));
    assert.deepEqual(t.current(), {
      writable: false,
      member: null,
      since: new Date(0).toISOString(),
      error: 'timeout',
    });
    assert.equal(t.observe(ok(200, 'pg1')), undefined);
  });

  test('keeps only the newest changes, newest first', () => {
    const t = new WriteGapTracker(3);
    for (let i = 0; i < 6; i++) t.observe(ok(i * 100, i % 2 === 0 ? 'pg1' : 'pg2'));
    const tl = t.timeline();
    assert.equal(tl.length, 3);
    assert.equal(tl[0]!.firstWriteAt, new Date(500).toISOString());
    assert.equal(tl[2]!.firstWriteAt, new Date(300).toISOString());
  });
});
