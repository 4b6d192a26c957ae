// The router on the real stack (synchronous mode): writes follow switchovers and leader crashes, no
// acknowledged write is lost, two servers are never routable, and router or etcd member loss heals.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PlatformStatus } from '../../src/ops/index.js';
import { HaproxyRouteTarget } from '../../src/router/index.js';
import {
  cli,
  eventually,
  makeStateParent,
  pidAlive,
  postmasterPid,
  processPid,
  query,
  requireStack,
  superuserPassword,
} from './harness.js';
import { missingAcked, Writer } from './writer.js';

const BASE = 17300;
const parent = makeStateParent('router');
const stateDir = join(parent, 'garden');
const specFile = join(parent, 'gardenos.yaml');
const flags = ['-f', specFile, '--state-dir', stateDir];
let password = '';
let idOffset = 1;

/** The router's last decisions, for a failure message: the CI log keeps only the end of a run. */
function routerLog(): string {
  const lines = readFileSync(join(stateDir, 'logs', 'router.log'), 'utf8')
    .trim()
    .split('\n');
  return `router.log (last 12 lines):\n${lines.slice(-12).join('\n')}`;
}

async function status(): Promise<PlatformStatus> {
  return JSON.parse((await cli(['status', '--json', ...flags])).stdout) as PlatformStatus;
}

/** Runs `during` with a writer every 10 ms through the primary port; returns once writes resumed after it. */
async function withWriter(
  during: () => Promise<void>,
  opts = { waitHealthy: true },
): Promise<{ gapMs: number; lost: number[]; acked: number }> {
  // Start from a healthy platform: in synchronous mode, a crash before Patroni names a sync standby
  // (up to a loop after a switchover) rightly leaves no replica eligible to take over.
  if (opts.waitHealthy) await eventually(status, (s) => s.health === 'healthy', 60000);
  const writer = new Writer({ ports: [BASE], password, table: 'router_writes', intervalMs: 10, idOffset });
  idOffset += 1_000_000;
  writer.start();
  await eventually(
    async () => writer.ackedSince(0),
    (n) => n > 10,
    10000,
  );
  await during();
  const after = performance.now();
  await eventually(
    async () => writer.ackedSince(after),
    (n) => n > 20,
    60000,
  );
  const r = await writer.stop();
  const lost = await missingAcked((sql) => query<{ id: string }>(BASE, password, sql), 'router_writes', r.acked);
  return { gapMs: r.longestGapMs, lost, acked: r.acked.length };
}

/** Samples HAProxy's primary backend as fast as it can; returns the most servers ever routable at once. */
function sampleRoutable(): { stop(): Promise<number> } {
  const target = new HaproxyRouteTarget(join(stateDir, 'haproxy', 'admin.sock'));
  let most = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const a = await target.actual().catch(() => undefined);
      if (a) most = Math.max(most, a.routable.length);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return most;
    },
  };
}

describe('primary router end to end', { timeout: 600_000 }, () => {
  before(async () => {
    requireStack();
    writeFileSync(specFile, `postgres:\n  synchronousMode: true\nlocal:\n  basePort: ${BASE}\n`);
    const r = await cli(['up', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    password = superuserPassword(stateDir);
    await query(BASE, password, 'CREATE TABLE router_writes (id bigint PRIMARY KEY)');
  });
  after(async () => {
    await cli(['down', '--purge', '--yes', ...flags]);
  });

  test('switchover: writes resume on the new leader, none lost, never two routable servers', async () => {
    const sampler = sampleRoutable();
    const r = await withWriter(async () => {
      const s = await cli(['switchover', '--yes', ...flags]);
      assert.equal(s.code, 0, s.stderr);
    });
    assert.ok((await sampler.stop()) <= 1, `two servers were routable at once\n${routerLog()}`);
    assert.deepEqual(r.lost, [], `${r.lost.length} acknowledged writes lost\n${routerLog()}`);
    assert.ok(r.acked > 0);
    const st = await status();
    assert.equal(st.router?.routedTo, st.postgres.leader, routerLog());
    // Whichever read sees the new key first names the cause: the watch event, or the reconcile timer
    // when its read lands between the key's change and the event's delivery.
    assert.match(
      st.router?.lastDecision ?? '',
      /^routed primary to \S+: (leader key changed|reconcile timer) at revision \d+$/,
      routerLog(),
    );
  });

  test('leader crash (kill -9 Patroni and postmaster): writes resume, none lost; up brings the node back', async () => {
    const leader = (await status()).postgres.leader!;
    const sampler = sampleRoutable();
    const r = await withWriter(async () => {
      process.kill(processPid(stateDir, `patroni-${leader}`), 'SIGKILL');
      process.kill(postmasterPid(stateDir, leader), 'SIGKILL');
    });
    assert.ok((await sampler.stop()) <= 1, 'two servers were routable at once');
    assert.deepEqual(r.lost, []);
    const st = await status();
    assert.notEqual(st.postgres.leader, leader);
    const up = await cli(['up', ...flags]);
    assert.equal(up.code, 0, up.stderr);
    assert.equal((await status()).health, 'healthy');
  });

  test('router killed mid-switchover: up restarts it and it routes to the new leader', async () => {
    const before = await status();
    const routerPid = processPid(stateDir, 'router');
    const r = await withWriter(async () => {
      const s = cli(['switchover', '--yes', ...flags]);
      await new Promise((res) => setTimeout(res, 300));
      process.kill(routerPid, 'SIGKILL');
      await eventually(
        async () => pidAlive(routerPid),
        (alive) => !alive,
        5000,
      );
      const up = await cli(['up', ...flags]);
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stdout, /restarted router/);
      assert.equal((await s).code, 0);
    });
    assert.deepEqual(r.lost, []);
    const st = await status();
    assert.notEqual(st.postgres.leader, before.postgres.leader);
    assert.equal(st.router?.routedTo, st.postgres.leader);
  });

  test('losing an etcd member does not break routing', async () => {
    await eventually(status, (s) => s.health === 'healthy', 60000);
    const victim = processPid(stateDir, 'etcd-etcd1');
    process.kill(victim, 'SIGKILL');
    await eventually(
      async () => pidAlive(victim),
      (alive) => !alive,
      5000,
    );
    const r = await withWriter(
      async () => {
        const s = await cli(['switchover', '--yes', ...flags]);
        assert.equal(s.code, 0, s.stderr);
      },
      { waitHealthy: false },
    );
    assert.deepEqual(r.lost, []);
    const st = await status();
    assert.equal(st.router?.routedTo, st.postgres.leader);
    const up = await cli(['up', ...flags]);
    assert.equal(up.code, 0, up.stderr);
    assert.equal((await status()).health, 'healthy');
  });
});
