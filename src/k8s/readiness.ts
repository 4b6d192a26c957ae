// When an applied object counts as ready; each check returns what it still waits for, or throws on a verdict.
import { GardenError } from '../errors.js';
import type { LiveObject } from './cluster-api.js';

type Status = Record<string, unknown>;
const num = (s: Status | undefined, key: string) => (typeof s?.[key] === 'number' ? (s[key] as number) : 0);

/** The controller has seen the latest spec; older status says nothing about it. */
function observed(obj: LiveObject): boolean {
  const gen = obj.metadata.generation;
  return gen === undefined || num(obj.status, 'observedGeneration') >= gen;
}

export function waitsFor(kind: string): boolean {
  return ['Namespace', 'StatefulSet', 'Deployment', 'Job'].includes(kind);
}

/** undefined = ready; otherwise a sentence saying what is missing. */
export function readiness(obj: LiveObject): string | undefined {
  const s = obj.status;
  const want =
    typeof (obj.spec as { replicas?: unknown } | undefined)?.replicas === 'number'
      ? (obj.spec as { replicas: number }).replicas
      : 1;
  switch (obj.kind) {
    case 'Namespace':
      return s?.phase === 'Active' ? undefined : `namespace phase ${String(s?.phase ?? 'unknown')}`;
    case 'StatefulSet':
      if (!observed(obj)) return 'the controller has not seen the new spec yet';
      return num(s, 'readyReplicas') >= want && num(s, 'updatedReplicas') >= want
        ? undefined
        : `${num(s, 'readyReplicas')} of ${want} pods ready (${num(s, 'updatedReplicas')} updated)`;
    case 'Deployment':
      if (!observed(obj)) return 'the controller has not seen the new spec yet';
      return num(s, 'availableReplicas') >= want && num(s, 'updatedReplicas') >= want
        ? undefined
        : `${num(s, 'availableReplicas')} of ${want} replicas available`;
    case 'Job': {
      const conditions = (s?.conditions ?? []) as { type: string; status: string; message?: string }[];
      const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
      if (failed) {
        throw new GardenError('DEPLOY_FAILED', `Job ${obj.metadata.name} failed: ${failed.message ?? 'no message'}.`, {
          hint: `read its logs with \`kubectl -n ${obj.metadata.namespace ?? 'default'} logs job/${obj.metadata.name}\`, fix the cause, delete the Job and run \`gardenos deploy\` again`,
        });
      }
      return num(s, 'succeeded') >= 1
        ? undefined
        : `job not complete (${num(s, 'active')} active, ${num(s, 'failed')} failed attempts)`;
    }
    default:
      return undefined;
  }
}

/** Exactly one Patroni pod labelled role=primary by the router, and it is Ready. */
export function leaderReadiness(pods: LiveObject[]): string | undefined {
  const ready = pods.filter((p) =>
    ((p.status?.conditions ?? []) as { type: string; status: string }[]).some(
      (c) => c.type === 'Ready' && c.status === 'True',
    ),
  );
  if (pods.length === 0) return 'no pod is labelled role=primary yet (the router sets it from the etcd leader key)';
  if (pods.length > 1) return `${pods.length} pods are labelled role=primary`;
  return ready.length === 1 ? undefined : `the leader pod ${pods[0]!.metadata.name} is not Ready`;
}
