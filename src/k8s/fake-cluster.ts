// Test double of ClusterApi: an in-memory API server whose controllers make objects ready after a few polls.
import type { K8sObject } from '../render/k8s/index.js';
import { describeRef, refOf, type ClusterApi, type LiveObject, type ObjectRef } from './cluster-api.js';

const key = (r: ObjectRef) => `${r.apiVersion}/${r.kind}/${r.namespace ?? ''}/${r.name}`;

export class FakeCluster implements ClusterApi {
  readonly objects = new Map<string, LiveObject>();
  readonly events: string[] = [];
  private readonly polls = new Map<string, number>();
  /** Polls before an object becomes ready; Infinity never. */
  readyAfter = (_ref: ObjectRef): number => 2;
  failJob = false;
  failApply?: (obj: K8sObject) => Error | undefined;

  async apply(obj: K8sObject): Promise<LiveObject> {
    const err = this.failApply?.(obj);
    if (err) throw err;
    const k = key(refOf(obj));
    const old = this.objects.get(k);
    // Compare what was applied, not the status or the generation the server added.
    const applied = (o: LiveObject | K8sObject) =>
      JSON.stringify({ ...o, status: undefined, metadata: { ...o.metadata, generation: undefined } });
    const sameSpec = old !== undefined && applied(old) === applied(obj);
    const generation = (old?.metadata.generation ?? 0) + (sameSpec ? 0 : 1);
    const live: LiveObject = {
      ...structuredClone(obj),
      metadata: { ...structuredClone(obj.metadata), generation },
      ...(old?.status ? { status: old.status } : {}),
    };
    this.objects.set(k, live);
    this.events.push(`${sameSpec ? 'unchanged' : 'apply'} ${describeRef(refOf(obj))}`);
    return live;
  }

  async get(ref: ObjectRef): Promise<LiveObject | undefined> {
    const live = this.objects.get(key(ref));
    if (!live) return undefined;
    const n = (this.polls.get(key(ref)) ?? 0) + 1;
    this.polls.set(key(ref), n);
    if (n >= this.readyAfter(ref)) this.makeReady(live);
    else if (live.kind === 'StatefulSet' || live.kind === 'Deployment') {
      // The controller has seen the spec but no pod is ready yet.
      live.status = {
        observedGeneration: live.metadata.generation,
        readyReplicas: 0,
        availableReplicas: 0,
        updatedReplicas: 0,
      };
    }
    return live;
  }

  async list(_apiVersion: string, kind: string, namespace: string, labelSelector: string): Promise<LiveObject[]> {
    if (kind !== 'Pod') return [];
    const instance = /app.kubernetes.io\/instance=([^,]+)/.exec(labelSelector)?.[1];
    const sts = [...this.objects.values()].find((o) => o.kind === 'StatefulSet' && o.metadata.namespace === namespace);
    const ready =
      sts && (sts.status?.readyReplicas as number | undefined) === (sts.spec as { replicas: number }).replicas;
    if (!ready || !/role=primary/.test(labelSelector)) return [];
    this.events.push(`leader ${instance}-postgres-0`);
    return [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${instance}-postgres-0`, namespace },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      },
    ];
  }

  private makeReady(live: LiveObject): void {
    const replicas = (live.spec as { replicas?: number } | undefined)?.replicas ?? 1;
    const gen = live.metadata.generation;
    const before = JSON.stringify(live.status ?? null);
    if (live.kind === 'Namespace') live.status = { phase: 'Active' };
    if (live.kind === 'StatefulSet')
      live.status = { observedGeneration: gen, readyReplicas: replicas, updatedReplicas: replicas };
    if (live.kind === 'Deployment')
      live.status = { observedGeneration: gen, availableReplicas: replicas, updatedReplicas: replicas };
    if (live.kind === 'Job') {
      live.status = this.failJob
        ? {
            failed: 11,
            conditions: [{ type: 'Failed', status: 'True', message: 'Job has reached the specified backoff limit' }],
          }
        : { succeeded: 1 };
    }
    if (JSON.stringify(live.status ?? null) !== before) this.events.push(`ready ${describeRef(refOf(live))}`);
  }
}
