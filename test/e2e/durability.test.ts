// Zero acknowledged-write loss on the built-in default spec: one writer every 10 ms through the primary
// port across three switchovers and then a kill -9 of the leader's Patroni and postmaster.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PlatformStatus } from '../../src/ops/index.js';
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

const BASE = 19400;
const parent = makeStateParent('durability');
const stateDir = join(parent, 'garden');
// No spec file: the built-in defaults are what is under test.
const flags = ['--state-dir', stateDir, '--base-port', String(BASE)];

async function status(): Promise<PlatformStatus> {
  return JSON.parse((await cli(['status', '--json', ...flags], { cwd: parent })).stdout) as PlatformStatus;
}

describe('the default spec loses no acknowledged write', { timeout: 420_000 }, () => {
  before(async () => {
    requireStack();
    const r = await cli(['up', ...flags], { cwd: parent });
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await cli(['down', '--purge', '--yes', ...flags], { cwd: parent });
  });

  test('spec print says synchronous mode is the default, and why', async () => {
    const r = await cli(['spec', 'print', ...flags], { cwd: parent });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /synchronousMode: true/);
    assert.match(r.stdout, /lone survivor/);
  });

  test('three switchovers, then kill -9 of the leader: every acknowledged write is there', async () => {
    const password = superuserPassword(stateDir);
    await query(BASE, password, 'CREATE TABLE durability_writes (id bigint PRIMARY KEY)');
    const writer = new Writer({ ports: [BASE], password, table: 'durability_writes', intervalMs: 10 });
    writer.start();
    try {
      await eventually(
        async () => writer.ackedSince(0),
        (n) => n > 10,
        10000,
      );
      for (let i = 0; i < 3; i++) {
        // A switchover needs a sync standby to hand over to; wait for Patroni to name one each time.
        await eventually(status, (s) => s.health === 'healthy', 60000);
        const sw = await cli(['switchover', '--yes', ...flags], { cwd: parent });
        assert.equal(sw.code, 0, sw.stderr);
      }
      const before = await eventually(
        status,
        (s) => s.health === 'healthy' && s.postgres.members.some((m) => m.role === 'sync_standby'),
        60000,
      );
      const leader = before.postgres.leader!;
      // Read the pids only now, with the leader settled: both must be the leader's live processes.
      const patroni = processPid(stateDir, `patroni-${leader}`);
      const postmaster = postmasterPid(stateDir, leader);
      assert.ok(pidAlive(patroni) && pidAlive(postmaster));
      process.kill(patroni, 'SIGKILL');
      process.kill(postmaster, 'SIGKILL');
      const killedAt = performance.now();
      await eventually(
        async () => writer.ackedSince(killedAt),
        (n) => n > 20,
        90000,
      );
    } finally {
      const r = await writer.stop();
      const lost = await missingAcked(
        (sql) => query<{ id: string }>(BASE, password, sql),
        'durability_writes',
        r.acked,
      );
      assert.deepEqual(lost, [], `${lost.length} of ${r.acked.length} acknowledged writes lost`);
      assert.ok(r.acked.length > 100, `only ${r.acked.length} writes acknowledged`);
    }
    const up = await cli(['up', ...flags], { cwd: parent });
    assert.equal(up.code, 0, up.stderr);
    await eventually(status, (s) => s.health === 'healthy', 60000);
  });
});
