// `verify`: refuses an unhealthy platform, runs the planned rounds, cleans up its table, reports.
import { GardenError } from '../../errors.js';
import type { FaultInjector, VerifyEnv } from './env.js';
import { planRounds, type FaultName } from './faults.js';
import { EtcdQuorumLoss, etcdLeaderKillFault, haproxyKillFault, routerKillFault } from './injectors-infra.js';
import { LeaderFreeze, leaderKillFault, replicaKillFault, switchoverFault } from './injectors-postgres.js';
import { notRunning } from './live-env.js';
import { runRound, type RoundResult } from './round.js';
import { Interrupted } from './wait.js';

export interface VerifyOptions {
  faults: FaultName[];
  rounds: number;
  recoveryTimeoutMs?: number;
  onRoundStart?: (p: { index: number; total: number; fault: FaultName }) => void;
  onRoundEnd?: (p: { index: number; total: number; result: RoundResult }) => void;
}

export interface VerifyReport {
  ok: boolean;
  rounds: RoundResult[];
  /** SIGINT/SIGTERM stopped it; what the running round changed was restored. */
  interrupted: boolean;
  /** Rounds not run because an earlier one left the platform unhealthy. */
  skipped: number;
}

/** A fresh injector per round: the stateful ones remember what they froze or stopped. */
export function injectorFor(fault: FaultName): FaultInjector {
  switch (fault) {
    case 'switchover':
      return switchoverFault;
    case 'replica-kill':
      return replicaKillFault;
    case 'router-kill':
      return routerKillFault;
    case 'haproxy-kill':
      return haproxyKillFault;
    case 'etcd-leader-kill':
      return etcdLeaderKillFault;
    case 'leader-kill':
      return leaderKillFault;
    case 'leader-freeze':
      return new LeaderFreeze();
    case 'etcd-quorum-loss':
      return new EtcdQuorumLoss();
  }
}

export async function verify(env: VerifyEnv, opts: VerifyOptions): Promise<VerifyReport> {
  if (await env.isDown()) throw notRunning(env.spec);
  const problems = await env.problems();
  if (problems.length > 0) {
    throw new GardenError(
      'CLUSTER_STATE',
      `The platform is not healthy, so verify did not start: ${problems.join('; ')}.`,
      {
        hint: `fix that first: \`gardenos status\` shows the state, \`gardenos ${env.spec.hosts ? 'provision' : 'up'}\` starts what is missing`,
        leftBehind: 'nothing was changed',
      },
    );
  }
  const plan = planRounds(opts.faults, opts.rounds);
  const rounds: RoundResult[] = [];
  let interrupted = false;
  await env.createTable();
  const stamp = Date.now().toString(36);
  try {
    for (const [index, fault] of plan.entries()) {
      opts.onRoundStart?.({ index, total: plan.length, fault });
      const result = await runRound(env, injectorFor(fault), `${stamp}-${index}-${fault}`, {
        recoveryTimeoutMs: opts.recoveryTimeoutMs ?? 180_000,
      });
      rounds.push(result);
      opts.onRoundEnd?.({ index, total: plan.length, result });
      // A platform that did not recover cannot start the next round healthy.
      if (result.recoverySeconds === null) break;
    }
  } catch (err) {
    if (!(err instanceof Interrupted)) throw err;
    interrupted = true;
  } finally {
    await env.dropTable().catch(() => undefined);
  }
  return {
    ok: !interrupted && rounds.length === plan.length && rounds.every((r) => r.ok),
    rounds,
    interrupted,
    skipped: plan.length - rounds.length,
  };
}
