// Faults on the infrastructure around PostgreSQL: router, HAProxy, the etcd leader, etcd quorum.
import { GardenError } from '../../errors.js';
import type { FaultInjector, Injected, VerifyEnv } from './env.js';
import { killAndWait, leaderOf } from './injectors-postgres.js';
import { hold, waitFor } from './wait.js';

function killComponent(fault: 'router-kill' | 'haproxy-kill', id: string): FaultInjector {
  return {
    fault,
    async inject(env) {
      const h = await env.component(id);
      if (!h) throw new GardenError('CLUSTER_STATE', `${id} is not running.`, { hint: 'check `gardenos status`' });
      await killAndWait(env, [h]);
      return { target: id, note: `killed ${h.label} (-9)` };
    },
    async recover(env) {
      await env.heal();
    },
  };
}

export const routerKillFault = killComponent('router-kill', 'router');
export const haproxyKillFault = killComponent('haproxy-kill', 'haproxy');

export const etcdLeaderKillFault: FaultInjector = {
  fault: 'etcd-leader-kill',
  async inject(env) {
    const leader = (await env.etcdMembers()).find((m) => m.isLeader)?.name;
    if (!leader)
      throw new GardenError('CLUSTER_STATE', 'etcd has no raft leader right before the fault.', {
        hint: 'check `gardenos status`',
      });
    await killAndWait(env, [await env.component(`etcd-${leader}`)]);
    let next: string | undefined;
    await waitFor(
      'the other etcd members to elect a leader',
      async () => {
        next = (await env.etcdMembers()).find((m) => m.isLeader && m.name !== leader)?.name;
        return next ? undefined : 'no new raft leader yet';
      },
      { timeoutMs: 60_000, signal: env.signal },
    );
    return { target: leader, note: `killed etcd raft leader ${leader} (-9); ${next} was elected` };
  },
  async recover(env) {
    await env.heal();
  },
};

/** Stops two of three etcd members (the raft leader among them) for longer than ttl, then starts them again. */
export class EtcdQuorumLoss implements FaultInjector {
  readonly fault = 'etcd-quorum-loss' as const;

  async inject(env: VerifyEnv): Promise<Injected> {
    const { leader } = await leaderOf(env);
    const members = await env.etcdMembers();
    const quorum = Math.floor(members.length / 2) + 1;
    const victims = [...members]
      .sort((a, b) => Number(b.isLeader) - Number(a.isLeader))
      .slice(0, members.length - quorum + 1)
      .map((m) => m.name);
    let how: 'stopped' | 'froze' = 'stopped';
    for (const v of victims) how = await env.holdDown(`etcd-${v}`, 5000);
    const t0 = performance.now();
    const { ttl, loopWait, retryTimeout } = env.spec.postgres;
    // Long enough for the leader's lock to expire: ttl, plus a loop and a retry for Patroni to act on it.
    await hold((ttl + loopWait + retryTimeout) * 1000, env.signal);
    const recovery = await env.nodeInRecovery(leader);
    const heldS = ((performance.now() - t0) / 1000).toFixed(1);
    const what =
      recovery === true
        ? `${leader} demoted itself to read-only (no DCS quorum, failsafe off): writes stopped`
        : recovery === false
          ? `${leader} was still writable at the end`
          : `${leader} did not answer at the end`;
    return { target: victims.join(', '), note: `${how} ${victims.join(', ')} for ${heldS} s; ${what}` };
  }

  async recover(env: VerifyEnv): Promise<void> {
    await env.heal();
  }
}
