// The pooler's problems as sentences: unreachable, routed elsewhere, connections on a non-leader, left paused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { poolerFindings, poolerProblems, unreachablePooler, type PoolerStatus } from './pooler-status.js';

const healthy: PoolerStatus = {
  port: 15404,
  mode: 'transaction',
  reachable: true,
  routedTo: 'pg1',
  clientsWaiting: 0,
  longestWaitS: 0,
  serverConnections: [{ member: 'pg1', count: 3 }],
};

test('a pooler routed to the leader, with its connections there and nobody waiting, has no problem', () => {
  assert.deepEqual(poolerProblems(healthy, 'pg1'), []);
  // A short wait is a switchover's pause, not a problem.
  assert.deepEqual(poolerProblems({ ...healthy, clientsWaiting: 4, longestWaitS: 2 }, 'pg1'), []);
});

test('each way a pooler can be wrong is named', () => {
  assert.deepEqual(poolerProblems({ ...healthy, reachable: false }, 'pg1'), [
    'PgBouncer (:15404) does not answer on its admin console',
  ]);
  assert.deepEqual(
    poolerProblems({ ...healthy, routedTo: 'pg2', serverConnections: [{ member: 'pg2', count: 1 }] }, 'pg1'),
    [
      'PgBouncer routes to pg2, but the leader is pg1',
      'PgBouncer holds server connections to pg2 (1), which is not the leader',
    ],
  );
  assert.match(
    poolerProblems({ ...healthy, clientsWaiting: 3, longestWaitS: 12 }, 'pg1')[0]!,
    /3 clients waiting, the longest 12 s: it is paused/,
  );
});

test('across hosts a finding names the host and its fix the host’s services, not `gardenos up`', () => {
  const onH2: PoolerStatus = {
    host: 'h2',
    port: 6432,
    mode: 'transaction',
    reachable: false,
    routedTo: null,
    clientsWaiting: 0,
    longestWaitS: 0,
    serverConnections: [],
  };
  const [down] = poolerFindings(onH2, 'h1');
  assert.match(down!.title, /^PgBouncer on h2 \(:6432\) does not answer/);
  assert.match(down!.fix, /gardenos provision.*gardenos logs h2\/pgbouncer/);
  assert.doesNotMatch(down!.fix, /gardenos up/);
  const [stale] = poolerFindings({ ...onH2, reachable: true, routedTo: 'h3' }, 'h1');
  assert.equal(stale!.title, 'PgBouncer on h2 routes to h3, but the leader is h1');
  const [paused] = poolerFindings(
    { ...onH2, reachable: true, routedTo: 'h1', clientsWaiting: 2, longestWaitS: 9 },
    'h1',
  );
  assert.match(
    paused!.fix,
    /gardenos pooler resume. ends a pause left behind \(it resumes every host's PgBouncer over SSH\)/,
  );
});

test('an unreachable pooler carries where it is and nothing else (no admin handle leaks into status JSON)', () => {
  const from = { port: 6432, mode: 'transaction' as const, admin: {}, memberAt: () => undefined };
  assert.deepEqual(unreachablePooler(from), {
    port: 6432,
    mode: 'transaction',
    reachable: false,
    routedTo: null,
    clientsWaiting: 0,
    longestWaitS: 0,
    serverConnections: [],
  });
  assert.equal(unreachablePooler({ ...from, host: 'h2' }).host, 'h2');
});
