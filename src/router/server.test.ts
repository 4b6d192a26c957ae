// The router's HTTP endpoint: Prometheus text on /metrics, the view on /status, 404 elsewhere.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRouterMetrics } from './metrics.js';
import type { RouterView } from './router.js';
import { startRouterServer } from './server.js';

describe('router HTTP server', () => {
  const metrics = createRouterMetrics();
  const view: RouterView = {
    leader: 'pg2',
    revision: '812',
    routedTo: 'pg2',
    lastDecision: 'routed primary to pg2: leader key changed at revision 812',
    lastDecisionAt: '2026-11-22T00:00:00.000Z',
    watchErrors: 1,
    target: 'haproxy',
  };
  let server: Server;
  let base: string;

  before(async () => {
    metrics.routeChanges.inc({ target: 'haproxy' });
    metrics.setLeader('pg2');
    server = await startRouterServer('127.0.0.1', 0, metrics, () => view);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('/metrics returns Prometheus text with the router metrics', async () => {
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const body = await res.text();
    assert.match(body, /^# TYPE gardenos_router_route_changes_total counter$/m);
    assert.match(body, /^gardenos_router_route_changes_total\{target="haproxy"\} 1$/m);
    assert.match(body, /^gardenos_router_current_leader\{member="pg2"\} 1$/m);
    assert.match(body, /^gardenos_router_leader_to_route_seconds_count 0$/m);
  });

  test('/status returns the view as JSON, read at request time', async () => {
    const res = await fetch(`${base}/status`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(await res.json(), view);
    view.routedTo = null;
    assert.equal(((await (await fetch(`${base}/status`)).json()) as RouterView).routedTo, null);
  });

  test('an unknown path is 404', async () => {
    const res = await fetch(`${base}/nope`);
    assert.equal(res.status, 404);
    await res.body?.cancel();
  });
});
