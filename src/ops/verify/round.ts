// One verify round: writer and prober running, one fault injected and undone, healthy again, every ack looked up.
import { describeCause } from '../../errors.js';
import type { FaultInjector, Injected, VerifyEnv } from './env.js';
import { acksFromNodeAfter, evaluateRound, type RoundFigures } from './evaluate.js';
import type { FaultName } from './faults.js';
import { Interrupted, waitFor } from './wait.js';

export interface RoundResult extends RoundFigures {
  fault: FaultName;
  target: string;
  note: string;
}

export interface RoundOptions {
  /** How long the platform may take to be healthy again after the fault is injected. */
  recoveryTimeoutMs: number;
}

export async function runRound(
  env: VerifyEnv,
  injector: FaultInjector,
  run: string,
  opts: RoundOptions,
): Promise<RoundResult> {
  const writer = env.newWriter(run);
  const prober = env.newProber();
  const startedAt = performance.now();
  writer.start();
  prober.start();
  const notes: string[] = [];
  let injected: Injected | undefined;
  let recoverySeconds: number | null = null;
  try {
    await waitFor(
      'writes through the primary port and an answer from every node',
      () =>
        writer.ackedSince(startedAt) >= 10 && prober.sawEveryNode() ? undefined : 'writer or prober not running yet',
      { timeoutMs: 60_000, signal: env.signal },
    );
    const injectedAt = performance.now();
    try {
      injected = await injector.inject(env);
    } catch (err) {
      if (err instanceof Interrupted) throw err;
      notes.push(`fault: ${describeCause(err)}`);
    }
    try {
      await injector.recover(env);
    } catch (err) {
      notes.push(`restart: ${describeCause(err)}`);
    }
    recoverySeconds = await waitHealthy(env, injectedAt, opts.recoveryTimeoutMs, notes);
    if (recoverySeconds !== null) {
      // Writes must have resumed too, so the gap ends inside the round.
      const healthyAt = performance.now();
      await waitFor(
        'writes to resume',
        () => (writer.ackedSince(healthyAt) >= 10 ? undefined : 'no writes acknowledged yet'),
        { timeoutMs: 30_000, signal: env.signal },
      ).catch((err: unknown) => {
        if (err instanceof Interrupted) throw err;
        notes.push('writes did not resume within 30 s of healthy');
      });
    }
  } catch (err) {
    // Interrupted (or a bug): undo the fault before anything else, and leave only once the platform is healthy.
    await injector.recover(env).catch(() => undefined);
    await Promise.all([writer.stop(), prober.stop()]);
    await waitFor(
      'the platform to be healthy again',
      async () => {
        const p = await env.problems();
        return p.length === 0 ? undefined : p.join('; ');
      },
      { timeoutMs: opts.recoveryTimeoutMs, intervalMs: 250, signal: new AbortController().signal },
    ).catch(() => undefined);
    throw err;
  }
  const acks = await writer.stop();
  const samples = await prober.stop();
  const endedAt = performance.now();
  let present = new Set<number>();
  try {
    let found: Set<number> | undefined;
    await waitFor(
      'the primary to answer the lookup of acknowledged ids',
      async () => {
        found = await env.presentIds(run);
        return undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, signal: env.signal },
    );
    present = found!;
  } catch (err) {
    if (err instanceof Interrupted) throw err;
    notes.push(`could not look up the acknowledged ids: ${describeCause(err)}`);
  }
  const figures = evaluateRound(
    { startedAt, endedAt, acks, present, ...samples, recoverySeconds },
    env.spec.nodes.map((n) => n.name),
  );
  if (injected?.resumed) {
    const leaderNow = (await env.cluster().catch(() => undefined))?.members.find((m) => m.role === 'leader')?.name;
    if (leaderNow === injected.resumed.node) {
      // Its writes after that are the cluster's own again; what the new leader took meanwhile shows as lost.
      notes.push(`${leaderNow} took the leader lock back after it resumed (split brain)`);
    } else {
      const late = acksFromNodeAfter(acks, injected.resumed.node, injected.resumed.at);
      if (late > 0) notes.push(`${injected.resumed.node} acknowledged ${late} writes after it resumed`);
    }
  }
  if (figures.noPrimaryMs >= 100) notes.push(`no node writable for ${(figures.noPrimaryMs / 1000).toFixed(1)} s`);
  if (figures.lost > 0) notes.push(`${figures.lost} acknowledged writes missing on the primary`);
  if (figures.doublePrimaryMs > 0) notes.push(`two writable primaries for ${figures.doublePrimaryMs} ms`);
  return {
    fault: injector.fault,
    target: injected?.target ?? '?',
    note: [injected?.note, ...notes].filter(Boolean).join('; '),
    ...figures,
  };
}

/** Seconds from the injection to healthy, or null (with the remaining problems in the notes) when it did not recover. */
async function waitHealthy(
  env: VerifyEnv,
  injectedAt: number,
  timeoutMs: number,
  notes: string[],
): Promise<number | null> {
  let last: string[] = [];
  try {
    await waitFor(
      'the platform to be healthy again',
      async () => {
        last = await env.problems();
        return last.length === 0 ? undefined : last.join('; ');
      },
      { timeoutMs: Math.max(1000, timeoutMs - (performance.now() - injectedAt)), intervalMs: 250, signal: env.signal },
    );
    return Math.round((performance.now() - injectedAt) / 100) / 10;
  } catch (err) {
    if (err instanceof Interrupted) throw err;
    notes.push(`not healthy after ${Math.round(timeoutMs / 1000)} s: ${last.join('; ')}`);
    return null;
  }
}
