import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { alignMatrix, CHARTS } from './charts.js';
import { monitoringOff, PrometheusMetricsSource } from './prometheus-metrics-source.js';

describe('charts and alerts from Prometheus', () => {
  test('alignMatrix puts every member on the grid, null where it has no sample', () => {
    const chart = alignMatrix(
      CHARTS[0],
      [
        { metric: { member: 'pg2' }, values: [[110, '3']] },
        {
          metric: { member: 'pg1' },
          values: [
            [100, '1.5'],
            [105, 'NaN'],
            [110, '2'],
          ],
        },
      ],
      { start: 100, end: 110, step: 5 },
    );
    assert.deepEqual(chart, {
      id: 'commits',
      title: 'Commits/s',
      unit: '/s',
      members: ['pg1', 'pg2'],
      data: [
        [100, 105, 110],
        [1.5, null, 2],
        [null, null, 3],
      ],
    });
  });

  test('PrometheusMetricsSource asks each recording rule over the window and the alerts', async () => {
    const asked: string[] = [];
    const fake = (async (url: string) => {
      asked.push(url);
      const data = url.includes('/alerts')
        ? { alerts: [{ labels: { alertname: 'ReplicaLagHigh', severity: 'warning' }, state: 'firing' }] }
        : { resultType: 'matrix', result: [{ metric: { member: 'pg1' }, values: [[1000, '7']] }] };
      return new Response(JSON.stringify({ status: 'success', data }));
    }) as typeof fetch;
    const view = await new PrometheusMetricsSource('http://p:1', 5, 10, 1000, fake).read(1_002_000);
    assert.equal(view.state, 'ok');
    if (view.state !== 'ok') return;
    assert.deepEqual(
      view.charts.map((c) => [c.id, c.data[0], c.data[1]]),
      CHARTS.map((c) => [c.id, [990, 995, 1000], [null, null, 7]]),
    );
    assert.deepEqual(view.alerts, [{ name: 'ReplicaLagHigh', severity: 'warning', summary: '', fix: '', since: null }]);
    assert.ok(asked.some((u) => u.includes('query=gardenos%3Acommits_per_second') && u.includes('step=5')));
  });

  test('Prometheus not answering is a state of the view, not an error', async () => {
    const refused = (() => Promise.reject(new Error('connect ECONNREFUSED'))) as typeof fetch;
    const view = await new PrometheusMetricsSource('http://127.0.0.1:9', 5, 60, 1000, refused).read(Date.now());
    assert.equal(view.state, 'unreachable');
    assert.match(view.message, /Prometheus at http:\/\/127\.0\.0\.1:9 did not answer \(connect ECONNREFUSED\)/);
    const bad = (() =>
      Promise.resolve(new Response('{"status":"error","error":"parse error"}', { status: 400 }))) as typeof fetch;
    const v2 = await new PrometheusMetricsSource('http://p:1', 5, 60, 1000, bad).read(Date.now());
    assert.match(v2.message, /parse error/);
    assert.equal((await monitoringOff.read(0)).state, 'off');
  });
});
