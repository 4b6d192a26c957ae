import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  acksFromNodeAfter,
  endpointInRecoveryMs,
  evaluateRound,
  longestGapMs,
  lostIds,
  writableTimeMs,
  type NodeSample,
} from './evaluate.js';

const ack = (id: number, at: number, node: string | null = 'pg1') => ({ id, at, node });
const nodes = ['pg1', 'pg2', 'pg3'];
const s = (node: string, at: number, writable: boolean | null): NodeSample => ({ node, at, writable });

describe('round evaluation', () => {
  test('the gap counts from the start and up to the end of the round', () => {
    assert.equal(longestGapMs([ack(1, 10), ack(2, 20), ack(3, 500)], 0, 510), 480);
    assert.equal(longestGapMs([ack(1, 10)], 0, 1000), 990, 'writes that never resumed: the tail is the gap');
    assert.equal(longestGapMs([], 0, 100), 100);
  });

  test('lost = acknowledged but missing', () => {
    assert.deepEqual(lostIds([ack(1, 1), ack(2, 2), ack(3, 3)], new Set([1, 3, 4])), [2]);
  });

  test('one primary at a time is not a double primary, even when they hand over', () => {
    const samples = [
      s('pg1', 0, true),
      s('pg2', 0, false),
      s('pg1', 100, false),
      s('pg2', 150, true),
      s('pg2', 300, true),
      s('pg1', 300, false),
    ];
    assert.equal(
      writableTimeMs(samples, nodes, 0, 400, (n) => n >= 2),
      0,
    );
    assert.equal(
      writableTimeMs(samples, nodes, 0, 400, (n) => n === 0),
      50,
      'no primary between 100 and 150',
    );
  });

  test('two writable nodes at once are counted', () => {
    const samples = [
      s('pg1', 0, true),
      s('pg2', 0, false),
      s('pg2', 100, true),
      s('pg1', 250, false),
      s('pg2', 250, true),
    ];
    assert.equal(
      writableTimeMs(samples, nodes, 0, 300, (n) => n >= 2),
      150,
    );
  });

  test('a writable sample does not stand for a node that stopped answering for long', () => {
    // pg1 answered "writable" at 0, then its prober hung for 5 s (frozen node): it counts for SAMPLE_VALID_MS only.
    const samples = [s('pg1', 0, true), s('pg2', 0, false), s('pg2', 2000, true), s('pg1', 5000, null)];
    assert.equal(
      writableTimeMs(samples, nodes, 0, 6000, (n) => n >= 2),
      0,
    );
  });

  test('no answer is not writable', () => {
    assert.equal(
      writableTimeMs([s('pg1', 0, null), s('pg2', 0, true)], nodes, 0, 100, (n) => n >= 2),
      0,
    );
  });

  test('the endpoint in recovery is timed sample to sample', () => {
    const e = [
      { at: 0, node: 'pg1', recovery: false },
      { at: 100, node: 'pg1', recovery: true },
      { at: 160, node: 'pg2', recovery: false },
    ];
    assert.equal(endpointInRecoveryMs(e, 500), 60);
  });

  test('ok needs no loss, no double primary and a recovery', () => {
    const base = {
      startedAt: 0,
      endedAt: 100,
      acks: [ack(1, 10), ack(2, 20)],
      present: new Set([1, 2]),
      nodeSamples: [s('pg1', 0, true)],
      endpointSamples: [],
      recoverySeconds: 3.2,
    };
    const good = evaluateRound(base, nodes);
    assert.equal(good.ok, true);
    assert.equal(good.acked, 2);
    assert.equal(good.gapMs, 80);
    assert.equal(evaluateRound({ ...base, present: new Set([1]) }, nodes).ok, false);
    assert.equal(evaluateRound({ ...base, recoverySeconds: null }, nodes).ok, false);
    const dp = evaluateRound({ ...base, nodeSamples: [s('pg1', 0, true), s('pg2', 50, true)] }, nodes);
    assert.equal(dp.doublePrimaryMs, 50);
    assert.equal(dp.ok, false);
  });

  test('acks a resumed old leader took are found by node and time', () => {
    assert.equal(acksFromNodeAfter([ack(1, 10, 'pg1'), ack(2, 20, 'pg1'), ack(3, 30, 'pg2')], 'pg1', 15), 1);
  });
});

describe('the start of a round', () => {
  test('before every node answered once, nothing counts as "no primary"', async () => {
    const { evaluateRound: ev } = await import('./evaluate.js');
    const f = ev(
      {
        startedAt: 0,
        endedAt: 300,
        acks: [],
        present: new Set(),
        endpointSamples: [],
        recoverySeconds: 1,
        nodeSamples: [
          s('pg2', 10, false),
          s('pg3', 20, false),
          s('pg1', 200, true),
          s('pg2', 210, false),
          s('pg3', 220, false),
        ],
      },
      nodes,
    );
    assert.equal(f.noPrimaryMs, 0);
  });
});
