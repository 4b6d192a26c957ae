// The cluster reader: first answer wins, skip and accept steer the walk, every non-answer is kept as a typed error.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GardenError } from '../errors.js';
import type { PatroniCluster } from './client.js';
import { PatroniClusterReader, lastReadError, type FetchCluster } from './cluster-reader.js';

const APIS = [
  { name: 'pg1', apiUrl: 'http://h:8008' },
  { name: 'pg2', apiUrl: 'http://h:8009' },
  { name: 'pg3', apiUrl: 'http://h:8010' },
];
const HEALTHY: PatroniCluster = {
  members: [
    { name: 'pg1', role: 'leader', state: 'running', host: 'h', port: 5432, timeline: 3 },
    { name: 'pg2', role: 'sync_standby', state: 'streaming', host: 'h', port: 5433, timeline: 3, lag: 0 },
    { name: 'pg3', role: 'replica', state: 'streaming', host: 'h', port: 5434, lag: 'unknown' },
  ],
};

function fake(answers: Record<string, PatroniCluster | undefined>): { fetch: FetchCluster; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    fetch: async (url) => {
      asked.push(url);
      const a = answers[url];
      if (!a)
        throw new GardenError('PATRONI_API', `Patroni at ${url} did not answer GET /cluster: ECONNREFUSED.`, {
          hint: 'start it',
        });
      return a;
    },
  };
}

describe('PatroniClusterReader', () => {
  test('the first member that answers gives the view: leader, roles, states, timelines, lag', async () => {
    const f = fake({ 'http://h:8008': HEALTHY, 'http://h:8009': HEALTHY });
    const view = await new PatroniClusterReader(APIS, 100, f.fetch).read();
    assert.deepEqual(f.asked, ['http://h:8008']);
    assert.equal(view.leader, 'pg1');
    assert.equal(view.source, 'pg1');
    assert.deepEqual(view.answered, ['pg1']);
    assert.deepEqual(view.members, [
      { name: 'pg1', role: 'leader', state: 'running', timeline: 3, lag: null },
      { name: 'pg2', role: 'sync_standby', state: 'streaming', timeline: 3, lag: 0 },
      { name: 'pg3', role: 'replica', state: 'streaming', timeline: null, lag: 'unknown' },
    ]);
  });

  test('members that do not answer are skipped over and kept as typed errors', async () => {
    const view = await new PatroniClusterReader(APIS, 100, fake({ 'http://h:8010': HEALTHY }).fetch).read();
    assert.equal(view.source, 'pg3');
    assert.deepEqual(
      view.errors.map((e) => [e.member, e.error.code]),
      [
        ['pg1', 'PATRONI_API'],
        ['pg2', 'PATRONI_API'],
      ],
    );
  });

  test('nobody answers: no source, no leader, the last error says why', async () => {
    const view = await new PatroniClusterReader(APIS, 100, fake({}).fetch).read();
    assert.equal(view.source, null);
    assert.equal(view.leader, null);
    assert.deepEqual(view.members, []);
    assert.equal(view.errors.length, 3);
    assert.equal(lastReadError(view), view.errors[2]!.error);
  });

  test('skip leaves one member out of the walk', async () => {
    const f = fake({ 'http://h:8008': HEALTHY, 'http://h:8009': HEALTHY });
    const view = await new PatroniClusterReader(APIS, 100, f.fetch).read({ skip: 'pg1' });
    assert.deepEqual(f.asked, ['http://h:8009']);
    assert.equal(view.source, 'pg2');
  });

  test('accept walks past an answer it turns down, and keeps the last one when all are', async () => {
    const noLeader: PatroniCluster = { members: HEALTHY.members.map((m) => ({ ...m, role: 'replica' })) };
    const f = fake({ 'http://h:8008': noLeader, 'http://h:8009': HEALTHY });
    const view = await new PatroniClusterReader(APIS, 100, f.fetch).read({ accept: (v) => v.leader !== null });
    assert.equal(view.source, 'pg2');
    assert.deepEqual(view.answered, ['pg1', 'pg2']);
    const none = await new PatroniClusterReader(APIS, 100, fake({ 'http://h:8008': noLeader }).fetch).read({
      accept: (v) => v.leader !== null,
    });
    assert.equal(none.source, 'pg1');
    assert.equal(none.leader, null);
  });

  test('a non-GardenError from the transport becomes PATRONI_API naming the URL', async () => {
    const view = await new PatroniClusterReader(APIS.slice(0, 1), 100, async () => {
      throw new TypeError('fetch failed');
    }).read();
    const err = lastReadError(view)!;
    assert.equal(err.code, 'PATRONI_API');
    assert.ok(err.cause instanceof TypeError);
  });
});
