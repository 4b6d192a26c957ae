// Faults on PostgreSQL nodes: switchover, leader kill, leader freeze, replica kill.
import { GardenError } from '../../errors.js';
import type { ClusterView } from '../../patroni/index.js';
import type { FaultInjector, Injected, ProcessHandle, VerifyEnv } from './env.js';
import { hold, waitFor } from './wait.js';

export async function leaderOf(env: VerifyEnv, skip?: string): Promise<{ leader: string; cluster: ClusterView }> {
  const cluster = await env.cluster(skip);
  const leader = cluster?.members.find((m) => m.role === 'leader')?.name;
  if (!cluster || !leader) {
    throw new GardenError('CLUSTER_STATE', 'The Patroni cluster has no leader right before the fault.', {
      hint: 'check `gardenos status`',
    });
  }
  return { leader, cluster };
}

/** SIGKILL each handle (in the given order) and wait until all are gone. */
export async function killAndWait(env: VerifyEnv, handles: (ProcessHandle | undefined)[]): Promise<void> {
  const live = handles.filter((h): h is ProcessHandle => h !== undefined);
  await env.sendSignal(live, 'SIGKILL');
  await waitFor(
    'the killed processes to exit',
    async () => {
      const alive: ProcessHandle[] = [];
      for (const h of live) if (await env.isAlive(h)) alive.push(h);
      return alive.length === 0 ? undefined : `${alive.map((h) => h.label).join(', ')} still alive`;
    },
    { timeoutMs: 30_000, intervalMs: 20, signal: env.signal },
  );
}

/** Another member leads and the primary endpoint takes a write there. */
async function waitForNewLeader(env: VerifyEnv, old: string, timeoutMs: number): Promise<string> {
  let leader: string | undefined;
  await waitFor(
    `a leader other than ${old} writable through the primary port`,
    async () => {
      const cluster = await env.cluster(old);
      leader = cluster?.members.find((m) => m.role === 'leader' && m.name !== old)?.name;
      if (!leader) return `no leader other than ${old} yet`;
      const ep = await env.primaryEndpoint();
      return ep.node === leader && ep.writable
        ? undefined
        : `the primary port reaches ${ep.node ?? 'nothing'}${ep.writable ? '' : ' (read-only)'}`;
    },
    { timeoutMs, intervalMs: 100, signal: env.signal },
  );
  return leader!;
}

/**
 * After a killed leader: a leader writable through the primary port again. On one machine that is
 * another member (nothing restarts the killed one until the round heals); across hosts systemd or the
 * supervisor restarts the killed Patroni at once, and when it is back before its leader key expired it
 * leads again: a valid outcome too, since nothing was acknowledged that its standby did not have.
 */
async function waitForWritableLeader(env: VerifyEnv, old: string, timeoutMs: number): Promise<string> {
  let leader: string | undefined;
  await waitFor(
    'a leader writable through the primary port',
    async () => {
      leader = (await env.cluster())?.members.find((m) => m.role === 'leader')?.name;
      if (!leader) return 'no leader yet';
      const ep = await env.primaryEndpoint();
      return ep.node === leader && ep.writable
        ? undefined
        : `the primary port reaches ${ep.node ?? 'nothing'}${ep.writable ? '' : ' (read-only)'}; leader ${leader}${leader === old ? ' (the killed one, its key not expired)' : ''}`;
    },
    { timeoutMs, intervalMs: 100, signal: env.signal },
  );
  return leader!;
}

/** SIGSTOP a postmaster, then its children until no new one appears; each handle is added to `frozen` as it stops. */
export async function freezeTree(
  env: VerifyEnv,
  postmaster: ProcessHandle,
  frozen: ProcessHandle[] = [],
): Promise<ProcessHandle[]> {
  frozen.push(postmaster);
  await env.sendSignal([postmaster], 'SIGSTOP');
  for (let i = 0; i < 10; i++) {
    const fresh = (await env.childrenOf(postmaster)).filter((c) => !frozen.some((f) => f.id.pid === c.id.pid));
    if (fresh.length === 0) break;
    frozen.push(...fresh);
    await env.sendSignal(fresh, 'SIGSTOP');
  }
  return frozen;
}

const ttlMs = (env: VerifyEnv) => env.spec.postgres.ttl * 1000;

export const switchoverFault: FaultInjector = {
  fault: 'switchover',
  async inject(env) {
    await leaderOf(env);
    const r = await env.switchover();
    return { target: r.from ?? '?', note: `switched over ${r.from ?? '?'} -> ${r.to}` };
  },
  async recover() {
    /* nothing to undo */
  },
};

function killNode(fault: 'leader-kill' | 'replica-kill'): FaultInjector {
  return {
    fault,
    async inject(env) {
      const { leader, cluster } = await leaderOf(env);
      const replicas = cluster.members.filter((m) => m.role !== 'leader');
      // In synchronous mode the sync standby is the replica whose loss matters: commits wait for it.
      const victim =
        fault === 'leader-kill' ? leader : (replicas.find((m) => m.role === 'sync_standby') ?? replicas[0])?.name;
      if (!victim)
        throw new GardenError('CLUSTER_STATE', 'There is no replica to kill.', { hint: 'check `gardenos status`' });
      // A node crash: every process stops at one instant. Killing only the postmaster would leave its
      // backends acknowledging commits for a moment after the walsenders are gone (lost, but not a crash).
      const patroni = await env.component(`patroni-${victim}`);
      const postmaster = await env.postmaster(victim);
      const tree = postmaster ? await freezeTree(env, postmaster) : [];
      await killAndWait(env, [patroni, ...tree]);
      if (fault === 'replica-kill')
        return { target: victim, note: `killed ${victim}'s Patroni, postmaster and its children (-9)` };
      const next = await waitForWritableLeader(env, victim, ttlMs(env) + 90_000);
      return {
        target: victim,
        note:
          next === victim
            ? `killed leader ${victim} (Patroni, postmaster and children, -9); restarted by its supervisor before its leader key expired, it leads again`
            : `killed leader ${victim} (Patroni, postmaster and children, -9); ${next} took over`,
      };
    },
    async recover(env) {
      await env.heal();
    },
  };
}

export const leaderKillFault = killNode('leader-kill');
export const replicaKillFault = killNode('replica-kill');

/** SIGSTOP of the leader's Patroni, postmaster and every postmaster child, for longer than ttl; then SIGCONT. */
export class LeaderFreeze implements FaultInjector {
  readonly fault = 'leader-freeze' as const;
  private frozen: ProcessHandle[] = [];

  async inject(env: VerifyEnv): Promise<Injected> {
    const { leader } = await leaderOf(env);
    const patroni = await env.component(`patroni-${leader}`);
    const postmaster = await env.postmaster(leader);
    if (!patroni || !postmaster)
      throw new GardenError('CLUSTER_STATE', `${leader}'s Patroni or postmaster is not running.`, {
        hint: 'check `gardenos status`',
      });
    // Patroni first (it must not react), then the postmaster (no new backends), then its children until no new one appears.
    this.frozen = [patroni];
    await env.sendSignal([patroni], 'SIGSTOP');
    await freezeTree(env, postmaster, this.frozen);
    const t0 = performance.now();
    const children = this.frozen.length - 2;
    let next = 'nobody';
    let failed: unknown;
    try {
      next = await waitForNewLeader(env, leader, ttlMs(env) + 90_000);
    } catch (err) {
      if (!(err instanceof GardenError)) throw err;
      failed = err;
    }
    // The fault's own hold: at least ttl plus a loop, whatever the others did meanwhile.
    await hold(ttlMs(env) + env.spec.postgres.loopWait * 1000 - (performance.now() - t0), env.signal);
    const heldS = ((performance.now() - t0) / 1000).toFixed(1);
    await this.resume(env);
    const at = performance.now();
    if (failed) throw failed;
    return {
      target: leader,
      note: `froze ${leader} (Patroni, postmaster, ${children} children) for ${heldS} s; ${next} took over`,
      resumed: { at, node: leader },
    };
  }

  async recover(env: VerifyEnv): Promise<void> {
    await this.resume(env);
  }

  private async resume(env: VerifyEnv): Promise<void> {
    const frozen = this.frozen;
    this.frozen = [];
    if (frozen.length > 0) await env.sendSignal(frozen, 'SIGCONT');
  }
}
