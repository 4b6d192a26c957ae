// The polling leader source reads who leads through the cluster reader, and fails when no member answers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterReader, ClusterView } from '../patroni/index.js';
import { PatroniPollingLeaderSource } from './patroni-polling-leader-source.js';

const view = (over: Partial<ClusterView>): ClusterView => ({
  leader: null,
  members: [],
  source: null,
  answered: [],
  errors: [],
  ...over,
});
const readerOf = (...views: ClusterView[]): ClusterReader => ({ read: async () => views.shift() ?? view({}) });

describe('PatroniPollingLeaderSource', () => {
  test('each read is a poll numbered by its revision, naming the leader the reader saw', async () => {
    const src = new PatroniPollingLeaderSource(
      readerOf(view({ source: 'pg2', leader: 'pg1' }), view({ source: 'pg1', leader: null })),
      1000,
    );
    const first = await src.read();
    assert.deepEqual([first.leader, first.revision, first.cause], ['pg1', '1', 'poll']);
    assert.equal((await src.read()).leader, null, 'a member answered, and nobody leads');
    await assert.rejects(src.read(), /no Patroni member answered \/cluster/);
  });
});
