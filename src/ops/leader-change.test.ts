// The refusals of switchover and failover that protect acknowledged writes, decided before any call that changes the cluster.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterMember, ClusterView } from '../patroni/index.js';
import { loadSpec } from '../spec/index.js';
import type { PlatformAccess } from './access.js';
import { failover, switchover } from './leader-change.js';

const spec = loadSpec('name: lc\n', { source: 'test', defaultStateDir: (n) => `/tmp/gardenos-lc-${n}` });

function member(name: string, role: string, state = 'streaming'): ClusterMember {
  return { name, role, state, timeline: 1, lag: role === 'leader' ? null : 0 };
}

/** An access whose cluster is `members` and whose every changing call fails the test. */
function accessWith(members: ClusterMember[]): PlatformAccess {
  const view: ClusterView = {
    leader: members.find((m) => m.role === 'leader')?.name ?? null,
    members,
    source: members[0]?.name ?? null,
    answered: members.map((m) => m.name),
    errors: [],
  };
  return {
    spec,
    secrets: { superuserPassword: 'x', replicationPassword: 'x', rewindPassword: 'x', restapiPassword: 'x' },
    primaryEndpoint: { host: '127.0.0.1', port: spec.haproxy.primaryPort },
    clusterReader: () => ({ read: async () => view }),
    patroni: () => assert.fail('no REST call may be made'),
    etcd: () => assert.fail('etcd is not needed'),
    withPg: () => assert.fail('no session may be opened'),
  };
}

describe('failover in synchronous mode', () => {
  it('refuses a replica that is not the synchronous standby, naming the one that is', async () => {
    assert.equal(spec.postgres.synchronousMode, true);
    const access = accessWith([
      member('pg1', 'leader', 'running'),
      member('pg2', 'sync_standby'),
      member('pg3', 'replica'),
    ]);
    await assert.rejects(
      failover(access, { to: 'pg3' }),
      (err: Error & { code?: string; hint?: string }) =>
        err.code === 'CLUSTER_STATE' &&
        /pg3 is not the synchronous standby \(pg2 is\)/.test(err.message) &&
        /Nothing was changed/.test(err.message) &&
        /fail over to pg2/.test(err.hint ?? ''),
    );
  });

  it('says so when no synchronous standby is named yet', async () => {
    const access = accessWith([member('pg1', 'leader', 'running'), member('pg2', 'replica'), member('pg3', 'replica')]);
    await assert.rejects(failover(access, { to: 'pg2' }), /none is named yet/);
  });
});

describe('switchover', () => {
  it('refuses without a leader, and without a synchronous standby to hand over to', async () => {
    await assert.rejects(
      switchover(accessWith([member('pg1', 'replica'), member('pg2', 'replica')]), {}),
      /no leader, so there is nothing to switch over from/,
    );
    await assert.rejects(
      switchover(accessWith([member('pg1', 'leader', 'running'), member('pg2', 'replica')]), {}),
      /synchronous mode only allows the synchronous standby, and there is none yet/,
    );
  });
});
