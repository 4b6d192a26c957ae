// What the router reads as a switchover request in Patroni's failover key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFailoverRequest } from './failover-request.js';

test('a switchover names the leader and the candidate; a scheduled one has its time', () => {
  assert.deepEqual(parseFailoverRequest('{"leader":"pg1","member":"pg2"}'), { leader: 'pg1', member: 'pg2' });
  assert.deepEqual(parseFailoverRequest('{"leader":"pg1"}'), { leader: 'pg1' });
  assert.deepEqual(parseFailoverRequest('{"leader":"pg1","scheduled_at":"2026-12-05T10:00:00+00:00"}'), {
    leader: 'pg1',
    scheduledAt: new Date('2026-12-05T10:00:00Z'),
  });
});

test('the key Patroni leaves behind ("{}"), a missing key and anything else are no request', () => {
  for (const v of [null, '', '{}', '{"leader":""}', 'not json', '[]', '"pg1"', 'null']) {
    assert.equal(parseFailoverRequest(v), null, String(v));
  }
});
