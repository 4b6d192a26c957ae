// Requests and limits of every container: the defaults in one table; k8s.resources overrides the four
// containers the spec has a field for (postgres, router, supabase, services), value by value.
import { GardenError } from '../../errors.js';
import type { Spec } from '../../spec/index.js';

interface Amounts {
  cpu: string;
  memory: string;
}

export type ContainerKind = 'patroni' | 'dataDirOwner' | 'router' | 'bootstrap' | 'supabase' | 'service';

/**
 * Requests are what the scheduler reserves; limits are where the kernel throttles (cpu) or kills (memory).
 * Where the spec has a default too (k8s.resources in spec/app-schema.ts), the two agree; a test keeps it so.
 */
export const DEFAULT_RESOURCES: Record<ContainerKind, { requests: Amounts; limits: Amounts }> = {
  // PostgreSQL's shared_buffers and work_mem live within the memory limit; 2 cores before throttling.
  patroni: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '2', memory: '1Gi' } },
  // busybox mkdir/chmod, once per pod start.
  dataDirOwner: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '32Mi' } },
  // One Node process, idle but for a leader change and a timer.
  router: { requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
  // psql running one idempotent script.
  bootstrap: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
  // GoTrue, PostgREST and Storage share one spec field, so one row.
  supabase: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  service: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
};

/** The spec's field for a kind; the init container and the bootstrap Job have none. */
export const SPEC_FIELD = {
  patroni: 'postgres',
  router: 'router',
  supabase: 'supabase',
  service: 'services',
} as const satisfies Partial<Record<ContainerKind, keyof Spec['k8s']['resources']>>;

const UNITS: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A quantity of the spec's grammar (number and optional suffix) as a number, to compare two. */
export function quantityValue(q: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/.exec(q);
  if (!m) throw new Error(`not a Kubernetes quantity: ${q}`); // the spec schema admits no other
  return Number(m[1]) * UNITS[m[2] ?? '']!;
}

function overlay(base: Amounts, over?: { cpu?: string; memory?: string }): Amounts {
  return { cpu: over?.cpu ?? base.cpu, memory: over?.memory ?? base.memory };
}

/** requests and limits for cpu and memory, always all four: a missing limit is an unbounded container. */
export function containerResources(spec: Spec, kind: ContainerKind): { requests: Amounts; limits: Amounts } {
  const defaults = DEFAULT_RESOURCES[kind];
  const field = (SPEC_FIELD as Partial<Record<ContainerKind, keyof Spec['k8s']['resources']>>)[kind];
  const given = field ? spec.k8s.resources[field] : {};
  const requests = overlay(defaults.requests, given.requests);
  const limits = overlay(defaults.limits, given.limits);
  for (const r of ['cpu', 'memory'] as const) {
    if (quantityValue(limits[r]) >= quantityValue(requests[r])) continue;
    if (given.limits?.[r] === undefined) {
      // Only the default limit is below a request the spec asked for: the limit yields.
      limits[r] = requests[r];
      continue;
    }
    throw new GardenError(
      'RENDER_INPUT',
      `k8s.resources.${field}.limits.${r} (${limits[r]}) is below its request (${requests[r]}): Kubernetes refuses such a container.`,
      { hint: `raise k8s.resources.${field}.limits.${r} to at least ${requests[r]}, or lower the request` },
    );
  }
  return { requests, limits };
}
