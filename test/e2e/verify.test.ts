// `gardenos verify` on the real stack: one round of every fault is ok and leaves the platform healthy; bad input changes nothing.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PlatformStatus } from '../../src/ops/index.js';
import { cli, eventually, makeStateParent, pidAlive, processPid, query, requireStack, superuserPassword } from './harness.js';

const BASE = 19500;
const parent = makeStateParent('verify');
const stateDir = join(parent, 'garden');
const flags = ['--state-dir', stateDir, '--base-port', String(BASE)];

interface VerifyJson {
  ok: boolean;
  rounds: { fault: string; gapMs: number; acked: number; lost: number; doublePrimaryMs: number; recoverySeconds: number | null; ok: boolean; note: string }[];
}

function assertUserError(r: { code: number; stderr: string }, code: string): void {
  assert.equal(r.code, 2, `exit code 2 expected; stderr: ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`error \\[${code}\\]: `));
  assert.match(r.stderr, /\n {2}fix: \S/);
}

async function status(): Promise<{ code: number; status: PlatformStatus }> {
  const r = await cli(['status', '--json', ...flags]);
  return { code: r.code, status: JSON.parse(r.stdout) as PlatformStatus };
}

describe('gardenos verify', { timeout: 900_000 }, () => {
  before(() => requireStack());
  after(async () => {
    await cli(['down', '--purge', '--yes', ...flags]);
  });

  test('on no platform: NOT_RUNNING', async () => {
    assertUserError(await cli(['verify', '--state-dir', join(parent, 'nothing'), '--base-port', String(BASE)]), 'NOT_RUNNING');
  });

  test('bad --faults and --rounds are usage errors that list what is valid', async () => {
    const r = await cli(['verify', '--faults', 'switchover,meteor', ...flags]);
    assertUserError(r, 'USAGE');
    assert.match(r.stderr, /"meteor"/);
    assert.match(r.stderr, /switchover, replica-kill, router-kill, haproxy-kill, etcd-leader-kill, leader-kill, etcd-quorum-loss, leader-freeze/);
    assertUserError(await cli(['verify', '--rounds', '0', ...flags]), 'USAGE');
    assertUserError(await cli(['verify', '--rounds', 'many', ...flags]), 'USAGE');
  });

  test('an unhealthy platform (a stopped replica) is refused, naming the problem, and nothing changes', { timeout: 300_000 }, async () => {
    const upResult = await cli(['up', ...flags]);
    assert.equal(upResult.code, 0, upResult.stderr);
    const { status: before } = await status();
    const replica = before.postgres.members.find((m) => m.role !== 'leader')!.name;
    const pid = processPid(stateDir, `patroni-${replica}`);
    process.kill(pid, 'SIGTERM');
    await eventually(async () => pidAlive(pid), (alive) => !alive, 60_000);
    const leaderBefore = (await status()).status.postgres.leader;
    const r = await cli(['verify', '--faults', 'switchover', ...flags]);
    assertUserError(r, 'CLUSTER_STATE');
    assert.match(r.stderr, new RegExp(`${replica} \\(patroni\\) is not running`));
    assert.match(r.stderr, /nothing was changed/);
    const { status: after } = await status();
    assert.equal(after.postgres.leader, leaderBefore, 'no switchover happened');
    assert.equal(after.processes.find((p) => p.id === `patroni-${replica}`)?.running, false, 'verify did not restart anything');
    const healed = await cli(['up', ...flags]);
    assert.equal(healed.code, 0, healed.stderr);
    assert.equal((await status()).code, 0);
  });
  test('one round of every fault: nothing lost, never two primaries, healthy afterwards', { timeout: 720_000 }, async () => {
    const upResult = await cli(['up', ...flags]);
    assert.equal(upResult.code, 0, upResult.stderr);
    assert.equal((await status()).code, 0, 'healthy before verify');
    const r = await cli(['verify', '--json', ...flags]);
    const report = JSON.parse(r.stdout) as VerifyJson;
    const summary = report.rounds.map((x) => `${x.fault}: ok=${x.ok} lost=${x.lost} double=${x.doublePrimaryMs} gap=${x.gapMs} healthy=${x.recoverySeconds} (${x.note})`).join('\n');
    assert.deepEqual(report.rounds.map((x) => x.fault), [
      'switchover', 'replica-kill', 'router-kill', 'haproxy-kill', 'etcd-leader-kill', 'leader-kill', 'etcd-quorum-loss', 'leader-freeze',
    ], summary);
    for (const round of report.rounds) {
      assert.equal(round.lost, 0, `${round.fault} lost acknowledged writes:\n${summary}`);
      assert.equal(round.doublePrimaryMs, 0, `${round.fault} had two primaries:\n${summary}`);
      assert.ok(round.acked > 0 && round.recoverySeconds !== null, summary);
      assert.equal(round.ok, true, summary);
    }
    assert.equal(report.ok, true, summary);
    assert.equal(r.code, 0, `${summary}\n${r.stderr}`);
    assert.equal((await status()).code, 0, 'healthy after verify');
    const left = await query<{ t: string | null }>(BASE, superuserPassword(stateDir), "SELECT to_regclass('gardenos_verify.writes')::text AS t");
    assert.equal(left[0]?.t, null, 'verify drops its own table');
  });

});
