// The hub's pace: status at the live pace only while a page watches; the write probe always.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { statusFixture } from './fixtures.js';
import { DashboardHub, INTERVALS } from './hub.js';
import { monitoringOff } from './prometheus-metrics-source.js';

const saved = { ...INTERVALS };

/** Waits for a state of the hub's loops (they run on timers of a few ms here). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 2));
}

describe('dashboard hub', () => {
  let statusReads = 0;
  let probes = 0;
  const hub = new DashboardHub({
    status: async () => {
      statusReads++;
      return statusFixture();
    },
    doctor: async () => [],
    probe: {
      probe: async () => {
        probes++;
        return { at: Date.now(), writable: true, member: 'pg1' };
      },
      close: async () => undefined,
    },
    metrics: monitoringOff,
    switchover: () => Promise.reject(new Error('not here')),
    log: () => undefined,
  });

  before(() => {
    // Live: every 5 ms; idle: never within the test. The probe every 1 ms is the test's clock.
    Object.assign(INTERVALS, {
      probeMs: 1,
      snapshotMs: 5,
      idleSnapshotMs: 600_000,
      metricsMs: 600_000,
      doctorMs: 600_000,
    });
    hub.start();
  });
  after(async () => {
    await hub.close();
    Object.assign(INTERVALS, saved);
  });

  test('with no page open, status is read once and then at the idle pace, while the probe runs on', async () => {
    await until(() => statusReads === 1 && hub.latest() !== undefined);
    // A relay (the web side's feed, as root) is not a viewer.
    const relay = hub.subscribe(() => undefined, { viewer: false });
    const from = probes;
    await until(() => probes >= from + 50);
    assert.equal(statusReads, 1, 'no status read while nobody watches');
    assert.equal(hub.viewers(), 0);
    relay();
  });

  test('a page subscribing wakes the status loop at once and keeps the live pace; leaving it slows it again', async () => {
    const before = statusReads;
    const page = hub.subscribe(() => undefined);
    assert.equal(hub.viewers(), 1);
    await until(() => statusReads >= before + 5);
    page();
    assert.equal(hub.viewers(), 0);
    const settled = statusReads + 1; // at most the read under way
    const from = probes;
    await until(() => probes >= from + 50);
    assert.ok(statusReads <= settled, `${statusReads - settled + 1} reads after the page left`);
  });

  test("the web side's pages count as viewers too", async () => {
    const before = statusReads;
    hub.setRemoteViewers(2);
    assert.equal(hub.viewers(), 2);
    await until(() => statusReads >= before + 3);
    hub.setRemoteViewers(0);
    assert.equal(hub.viewers(), 0);
  });
});
