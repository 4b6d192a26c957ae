// Applies a deploy plan step by step (server-side apply), waiting for each step's readiness with a timeout.
import { GardenError, describeCause } from '../errors.js';
import type { Reporter } from '../runtime/index.js';
import { describeRef, refOf, type ClusterApi } from './cluster-api.js';
import type { DeployStep, Wait } from './deploy-plan.js';
import { leaderReadiness, readiness } from './readiness.js';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

export interface DeployOptions {
  api: ClusterApi;
  reporter: Reporter;
  clock?: Clock;
  /** Per step. */
  timeoutMs?: number;
  intervalMs?: number;
}

export interface DeployResult {
  applied: number;
  steps: number;
}

export async function deploy(steps: DeployStep[], opts: DeployOptions): Promise<DeployResult> {
  const clock = opts.clock ?? realClock;
  let applied = 0;
  for (const [i, step] of steps.entries()) {
    const done = opts.reporter.step(`${i + 1}/${steps.length} ${step.title}`);
    for (const obj of step.objects) {
      try {
        await opts.api.apply(obj);
      } catch (cause) {
        throw new GardenError('DEPLOY_FAILED', `Applying ${describeRef(refOf(obj))} failed: ${describeCause(cause)}.`, {
          hint:
            obj.kind === 'Job'
              ? `a Job's pod template cannot change; delete it (\`kubectl -n ${obj.metadata.namespace ?? ''} delete job ${obj.metadata.name}\`) and deploy again`
              : 'check the message above and your kubeconfig permissions; `gardenos deploy --dry-run` shows the whole plan',
          cause,
          leftBehind: `${i === 0 ? 'no step was completed' : `steps 1-${i} were completed`}; ${applied} objects applied in all; deploy is idempotent, so run it again after the fix`,
        });
      }
      applied++;
    }
    await waitForStep(step, i, opts, clock);
    done(`${step.objects.length} applied${step.waits.length ? `, ${step.waits.length} ready` : ''}`);
  }
  return { applied, steps: steps.length };
}

async function waitForStep(step: DeployStep, index: number, opts: DeployOptions, clock: Clock): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const deadline = clock.now() + timeoutMs;
  for (const wait of step.waits) {
    let last = 'not checked yet';
    for (;;) {
      const missing = await check(opts.api, wait);
      if (missing === undefined) break;
      if (missing !== last) opts.reporter.info(`    waiting: ${describeWait(wait)}: ${missing}`);
      last = missing;
      if (clock.now() >= deadline) {
        throw new GardenError(
          'TIMEOUT',
          `Timed out after ${Math.round(timeoutMs / 1000)} s in step "${step.title}" waiting for ${describeWait(wait)}: ${last}.`,
          {
            hint: `look at it with \`kubectl -n ${wait.type === 'leader' ? wait.namespace : (wait.object.metadata.namespace ?? '')} describe\` and the pod logs; a longer --timeout may help on slow storage`,
            leftBehind: `steps 1-${index + 1} were applied; run \`gardenos deploy\` again to continue`,
          },
        );
      }
      await clock.sleep(opts.intervalMs ?? 2000);
    }
  }
}

async function check(api: ClusterApi, wait: Wait): Promise<string | undefined> {
  if (wait.type === 'leader') return leaderReadiness(await api.list('v1', 'Pod', wait.namespace, wait.labelSelector));
  const live = await api.get(refOf(wait.object));
  return live ? readiness(live) : 'not found after apply';
}

function describeWait(wait: Wait): string {
  return wait.type === 'leader' ? 'a Patroni leader' : describeRef(refOf(wait.object));
}
