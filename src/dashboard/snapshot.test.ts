import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { statusFixture as status } from './fixtures.js';
import { buildSnapshot, doctorView, memberHealth, type SnapshotInput } from './snapshot.js';

function input(over: Partial<SnapshotInput> = {}): SnapshotInput {
  return {
    status: status(),
    writes: { writable: true, member: 'pg1', since: '2025-01-01T00:00:00.000Z', error: null },
    leaderChanges: [],
    doctor: { at: null, findings: [], error: null },
    switchoverRunning: false,
    now: Date.UTC(2025, 0, 1, 0, 0, 1),
    ...over,
  };
}

describe('dashboard snapshot', () => {
  test('topology, routes and the write probe of a healthy platform', () => {
    const s = buildSnapshot(input());
    assert.equal(s.leader, 'pg1');
    assert.equal(s.at, '2025-01-01T00:00:01.000Z');
    assert.deepEqual(s.members[1], {
      name: 'pg2',
      role: 'sync_standby',
      state: 'streaming',
      health: 'up',
      timeline: 3,
      lagBytes: 128,
      address: '127.0.0.1:20502',
    });
    assert.deepEqual(s.etcd, [{ name: 'etcd1', health: 'up', isLeader: true }]);
    assert.equal(s.routes.primary, '127.0.0.1:20500');
    assert.deepEqual(s.routes.poolers, [
      { address: '127.0.0.1:20504', reachable: true, routedTo: 'pg1', clientsWaiting: 0 },
    ]);
    assert.deepEqual(s.routes.router, { health: 'up', routedTo: 'pg1', lastDecision: 'routed' });
    assert.equal(s.writes.probeIntervalMs, 100);
    assert.equal(s.canSwitchover, true);
  });

  test('a stopped replica is down and leaves nothing to switch over to', () => {
    const st = status();
    st.postgres.members[1] = { ...st.postgres.members[1]!, state: 'stopped', role: 'replica' };
    const s = buildSnapshot(input({ status: st }));
    assert.equal(s.members[1]!.health, 'down');
    assert.equal(s.canSwitchover, false);
  });

  test('a router pointing elsewhere than the leader is degraded; one not answering is down', () => {
    const wrong = buildSnapshot(input({ status: status({ router: { ...status().router!, routedTo: 'pg2' } }) }));
    assert.equal(wrong.routes.router!.health, 'degraded');
    const gone = buildSnapshot(input({ status: status({ router: { ...status().router!, reachable: false } }) }));
    assert.equal(gone.routes.router!.health, 'down');
    assert.equal(buildSnapshot(input({ status: status({ router: null }) })).routes.router, null);
  });

  test('no switchover while one runs', () => {
    assert.equal(buildSnapshot(input({ switchoverRunning: true })).canSwitchover, false);
  });

  test('memberHealth: Patroni states as up, down or on the way', () => {
    assert.equal(memberHealth('running'), 'up');
    assert.equal(memberHealth('streaming'), 'up');
    assert.equal(memberHealth('unreachable'), 'down');
    assert.equal(memberHealth('stopped'), 'down');
    assert.equal(memberHealth('creating replica'), 'degraded');
  });

  test('doctorView keeps what, where and the fix', () => {
    const v = doctorView(
      [{ id: 'x', layer: 'patroni', severity: 'error', title: 't', evidence: 'e', cause: 'c', fix: 'f' }],
      0,
    );
    assert.deepEqual(v, {
      at: '1970-01-01T00:00:00.000Z',
      findings: [{ id: 'x', layer: 'patroni', severity: 'error', title: 't', fix: 'f' }],
      error: null,
    });
  });
});
