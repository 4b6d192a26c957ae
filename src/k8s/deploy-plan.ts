// The deploy plan: components grouped into ordered steps, each with the conditions to wait for (pure).
import type { K8sComponent, K8sObject } from '../render/k8s/index.js';
import { namesOf } from '../render/k8s/index.js';
import type { Spec } from '../spec/index.js';
import { waitsFor } from './readiness.js';

export type Wait = { type: 'object'; object: K8sObject } | { type: 'leader'; namespace: string; labelSelector: string };

export interface DeployStep {
  title: string;
  objects: K8sObject[];
  waits: Wait[];
}

/** Steps in dependency order; a component not rendered for this spec leaves its step out. */
export function buildDeployPlan(spec: Spec, components: K8sComponent[]): DeployStep[] {
  const of = (pred: (name: string) => boolean) => components.filter((c) => pred(c.name)).flatMap((c) => c.objects);
  const waitAll = (objs: K8sObject[]): Wait[] =>
    objs.filter((o) => waitsFor(o.kind)).map((object) => ({ type: 'object', object }));
  const n = namesOf(spec);
  const steps: DeployStep[] = [];
  const add = (title: string, objects: K8sObject[], waits: Wait[] = waitAll(objects)) => {
    if (objects.length > 0) steps.push({ title, objects, waits });
  };
  add(
    'namespace',
    of((c) => c === 'namespace'),
  );
  add(
    'storage',
    of((c) => c === 'storage'),
  );
  add(
    'RBAC and secrets',
    of((c) => c === 'rbac' || c === 'secrets'),
  );
  // The router labels the leader pod, so it goes with Patroni: "a leader" means a Ready pod with role=primary.
  const patroni = of((c) => c === 'postgres' || c === 'router');
  add('Patroni and the router', patroni, [
    ...waitAll(patroni),
    {
      type: 'leader',
      namespace: spec.k8s.namespace,
      labelSelector: `app.kubernetes.io/component=postgres,app.kubernetes.io/instance=${spec.name},role=primary`,
    },
  ]);
  add(
    `Supabase DB bootstrap (Job ${n.bootstrap})`,
    of((c) => c === 'supabase-bootstrap'),
  );
  add(
    'Supabase services',
    of((c) => c.startsWith('supabase-') && c !== 'supabase-bootstrap'),
  );
  add(
    'services',
    of((c) => c.startsWith('service-')),
  );
  add(
    'routing',
    of((c) => c === 'routing'),
  );
  return steps;
}

export function formatPlan(steps: DeployStep[]): string {
  return (
    steps
      .map((s, i) =>
        [
          `${i + 1}. ${s.title}`,
          ...s.objects.map((o) => `     apply ${o.kind}/${o.metadata.name}`),
          ...s.waits.map((w) =>
            w.type === 'leader'
              ? `     wait  for a Ready leader pod (${w.labelSelector})`
              : `     wait  for ${w.object.kind}/${w.object.metadata.name} to be ready`,
          ),
        ].join('\n'),
      )
      .join('\n') + '\n'
  );
}
