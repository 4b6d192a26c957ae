import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { firingAlerts, readFiringAlerts, type HttpGet } from './alerts.js';

describe('firing alerts', () => {
  test('firingAlerts: firing only, critical first, with the fix annotation', () => {
    const alerts = firingAlerts([
      { labels: { alertname: 'B', severity: 'warning' }, annotations: { summary: 'b' }, state: 'firing' },
      { labels: { alertname: 'P', severity: 'critical' }, state: 'pending' },
      {
        labels: { alertname: 'A', severity: 'critical' },
        annotations: { description: 'a', fix: 'do x' },
        state: 'firing',
        activeAt: 'T',
      },
    ]);
    assert.deepEqual(alerts, [
      { name: 'A', severity: 'critical', summary: 'a', fix: 'do x', since: 'T' },
      { name: 'B', severity: 'warning', summary: 'b', fix: '', since: null },
    ]);
  });

  test('readFiringAlerts: an answer, an error answer and no answer, never a throw', async () => {
    const ok: HttpGet = () =>
      Promise.resolve({
        status: 200,
        text: JSON.stringify({
          status: 'success',
          data: { alerts: [{ labels: { alertname: 'RouterDown', severity: 'critical' }, state: 'firing' }] },
        }),
      });
    const read = await readFiringAlerts('http://p:1', 500, ok);
    assert.deepEqual(read, {
      ok: true,
      alerts: [{ name: 'RouterDown', severity: 'critical', summary: '', fix: '', since: null }],
    });
    const bad: HttpGet = () => Promise.resolve({ status: 503, text: '{"status":"error","error":"boom"}' });
    assert.deepEqual(await readFiringAlerts('http://p:1', 500, bad), { ok: false, error: 'HTTP 503: boom' });
    const refused: HttpGet = () => Promise.reject(new Error('connect ECONNREFUSED'));
    const none = await readFiringAlerts('http://p:1', 500, refused);
    assert.equal(none.ok, false);
    assert.match(none.ok ? '' : none.error, /ECONNREFUSED/);
  });
});
