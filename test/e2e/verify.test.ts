// `gardenos verify` on the real stack: one round of every fault is ok and leaves the platform healthy; bad input changes nothing.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PlatformStatus } from '../../src/ops/index.js';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  cli,
  BIN,
  eventually,
  makeStateParent,
  pidAlive,
  processPid,
  query,
  requireStack,
  superuserPassword,
} from './harness.js';

const BASE = 19500;
const parent = makeStateParent('verify');
const stateDir = join(parent, 'garden');
const flags = ['--state-dir', stateDir, '--base-port', String(BASE)];

interface VerifyJson {
  ok: boolean;
  rounds: {
    fault: string;
    gapMs: number;
    acked: number;
    lost: number;
    doublePrimaryMs: number;
    recoverySeconds: number | null;
    ok: boolean;
    note: string;
  }[];
}

/** The one-letter state of a process (R, S, T for stopped, ...), or undefined once it is gone. */
function processState(pid: number): string | undefined {
  try {
    return /\) (\S) /.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
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
    assertUserError(
      await cli(['verify', '--state-dir', join(parent, 'nothing'), '--base-port', String(BASE)]),
      'NOT_RUNNING',
    );
  });

  test('bad --faults and --rounds are usage errors that list what is valid', async () => {
    const r = await cli(['verify', '--faults', 'switchover,meteor', ...flags]);
    assertUserError(r, 'USAGE');
    assert.match(r.stderr, /"meteor"/);
    assert.match(
      r.stderr,
      /switchover, replica-kill, router-kill, haproxy-kill, etcd-leader-kill, leader-kill, etcd-quorum-loss, leader-freeze/,
    );
    assertUserError(await cli(['verify', '--rounds', '0', ...flags]), 'USAGE');
    assertUserError(await cli(['verify', '--rounds', 'many', ...flags]), 'USAGE');
  });

  test(
    'an unhealthy platform (a stopped replica) is refused, naming the problem, and nothing changes',
    { timeout: 300_000 },
    async () => {
      const upResult = await cli(['up', ...flags]);
      assert.equal(upResult.code, 0, upResult.stderr);
      const { status: before } = await status();
      const replica = before.postgres.members.find((m) => m.role !== 'leader')!.name;
      const pid = processPid(stateDir, `patroni-${replica}`);
      process.kill(pid, 'SIGTERM');
      await eventually(
        async () => pidAlive(pid),
        (alive) => !alive,
        60_000,
      );
      const leaderBefore = (await status()).status.postgres.leader;
      const r = await cli(['verify', '--faults', 'switchover', ...flags]);
      assertUserError(r, 'CLUSTER_STATE');
      assert.match(r.stderr, new RegExp(`${replica} \\(patroni\\) is not running`));
      assert.match(r.stderr, /nothing was changed/);
      const { status: after } = await status();
      assert.equal(after.postgres.leader, leaderBefore, 'no switchover happened');
      assert.equal(
        after.processes.find((p) => p.id === `patroni-${replica}`)?.running,
        false,
        'verify did not restart anything',
      );
      const healed = await cli(['up', ...flags]);
      assert.equal(healed.code, 0, healed.stderr);
      assert.equal((await status()).code, 0);
    },
  );
  test(
    'Ctrl-C during a leader freeze resumes the frozen processes, exits 130, and the platform heals',
    { timeout: 300_000 },
    async () => {
      const upResult = await cli(['up', ...flags]);
      assert.equal(upResult.code, 0, upResult.stderr);
      const leader = (await status()).status.postgres.leader!;
      const patroni = processPid(stateDir, `patroni-${leader}`);
      const child = spawn(process.execPath, [BIN, 'verify', '--faults', 'leader-freeze', ...flags], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      // Patroni's pid was read before verify started, but the state we act on is the freeze itself.
      await eventually(
        async () => processState(patroni),
        (st) => st === 'T',
        120_000,
      ).catch((err: Error) => {
        child.kill('SIGKILL');
        throw new Error(`the leader's Patroni was never frozen: ${err.message}\n${stderr}`);
      });
      child.kill('SIGINT');
      const code = await exited;
      assert.equal(code, 130, stderr);
      assert.match(stderr, /SIGINT: restoring what this round changed/);
      assert.notEqual(processState(patroni), 'T', 'Patroni was left stopped');
      assert.ok(pidAlive(patroni), 'the frozen Patroni was resumed, not killed');
      await eventually(
        async () => (await status()).code,
        (c) => c === 0,
        120_000,
      );
    },
  );

  test(
    'one round of every fault: nothing lost, never two primaries, healthy afterwards',
    { timeout: 720_000 },
    async () => {
      const upResult = await cli(['up', ...flags]);
      assert.equal(upResult.code, 0, upResult.stderr);
      assert.equal((await status()).code, 0, 'healthy before verify');
      const r = await cli(['verify', '--json', ...flags]);
      const report = JSON.parse(r.stdout) as VerifyJson;
      const summary = report.rounds
        .map(
          (x) =>
            `${x.fault}: ok=${x.ok} lost=${x.lost} double=${x.doublePrimaryMs} gap=${x.gapMs} healthy=${x.recoverySeconds} (${x.note})`,
        )
        .join('\n');
      assert.deepEqual(
        report.rounds.map((x) => x.fault),
        [
          'switchover',
          'replica-kill',
          'router-kill',
          'haproxy-kill',
          'etcd-leader-kill',
          'leader-kill',
          'etcd-quorum-loss',
          'leader-freeze',
        ],
        summary,
      );
      for (const round of report.rounds) {
        assert.equal(round.lost, 0, `${round.fault} lost acknowledged writes:\n${summary}`);
        assert.equal(round.doublePrimaryMs, 0, `${round.fault} had two primaries:\n${summary}`);
        assert.ok(round.acked > 0 && round.recoverySeconds !== null, summary);
        assert.equal(round.ok, true, summary);
      }
      assert.equal(report.ok, true, summary);
      assert.equal(r.code, 0, `${summary}\n${r.stderr}`);
      assert.equal((await status()).code, 0, 'healthy after verify');
      const left = await query<{ t: string | null }>(
        BASE,
        superuserPassword(stateDir),
        "SELECT to_regclass('gardenos_verify.writes')::text AS t",
      );
      assert.equal(left[0]?.t, null, 'verify drops its own table');
    },
  );
});
