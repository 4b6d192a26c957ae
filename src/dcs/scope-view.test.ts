import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertScopePrefix, prefixRangeEnd } from './scope-keys.js';
import { decodeScope, initdbTime } from './scope-view.js';

test('the range end of a scope prefix covers the scope only (garden/ but not garden2/)', () => {
  const end = prefixRangeEnd('/service/garden/').toString();
  assert.equal(end, '/service/garden0');
  assert.ok('/service/garden/members/pg1' < end && '/service/garden/' <= '/service/garden/members/pg1');
  assert.ok(!('/service/garden2/leader' < end), 'garden2 lies outside the range');
  assert.throws(() => assertScopePrefix('/service/garden'), /must start and end with "\/"/);
});

test('decodeScope: summaries, ages in revisions, lease, initdb time from the system identifier', () => {
  const keys = decodeScope({
    prefix: '/service/garden/',
    revision: 120,
    keys: [
      {
        key: '/service/garden/initialize',
        name: 'initialize',
        value: '7710780634683790959',
        createRevision: 5,
        modRevision: 5,
        version: 1,
        lease: '0',
      },
      {
        key: '/service/garden/leader',
        name: 'leader',
        value: 'pg9',
        createRevision: 6,
        modRevision: 100,
        version: 1,
        lease: '0',
      },
      {
        key: '/service/garden/members/pg1',
        name: 'members/pg1',
        value: '{"role":"replica","state":"running","api_url":"http://x/patroni","timeline":2}',
        createRevision: 7,
        modRevision: 119,
        version: 3,
        lease: '77',
        ttlLeft: 18,
      },
      {
        key: '/service/garden/history',
        name: 'history',
        value: '[[1,25165984,"no recovery target specified","2026-11-22T00:21:03.1+00:00","pg2"]]',
        createRevision: 8,
        modRevision: 90,
        version: 1,
        lease: '0',
      },
    ],
  });
  assert.deepEqual(
    keys.map((k) => [k.name, k.revisionsAgo, k.ttlLeft]),
    [
      ['initialize', 115, null],
      ['leader', 20, null],
      ['members/pg1', 1, 18],
      ['history', 30, null],
    ],
  );
  assert.match(keys[1]!.summary, /held by pg9 \(no lease: it never expires/);
  assert.equal(keys[2]!.summary, 'replica running, api http://x/patroni, timeline 2');
  assert.equal(keys[3]!.summary, '1 timeline switch, last to timeline 2');
  assert.equal(keys[3]!.since, '2026-11-22T00:21:03.1+00:00');
  assert.equal(initdbTime('7710780634683790959'), keys[0]!.since);
  assert.match(keys[0]!.since!, /^2026-/);
});
