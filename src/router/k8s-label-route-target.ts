// RouteTarget on Kubernetes: the leader pod labelled role=primary, the others role=replica; the primary
// Service selects role=primary (Endpoints are deprecated since Kubernetes 1.33, so we never write them).
import type { ActualRoutes, PrimaryRoute, RouteTarget } from './types.js';

export interface PodSummary {
  name: string;
  role: string | undefined;
  ready: boolean;
  resourceVersion: string;
}

/** The two calls the router needs; writes carry resourceVersion so a concurrent change fails instead of being overwritten. */
export interface PodApi {
  listPods(): Promise<PodSummary[]>;
  setRole(name: string, role: 'primary' | 'replica', resourceVersion: string): Promise<void>;
}

export class K8sLabelRouteTarget implements RouteTarget {
  readonly name = 'kubernetes';

  constructor(private readonly pods: PodApi) {}

  async actual(): Promise<ActualRoutes> {
    const pods = await this.pods.listPods();
    const ready = pods.filter((p) => p.role === 'primary');
    return {
      ready: ready.map((p) => p.name),
      routable: ready.filter((p) => p.ready).map((p) => p.name),
      members: pods.map((p) => p.name),
    };
  }

  async apply(wanted: PrimaryRoute): Promise<void> {
    const pods = await this.pods.listPods();
    if (wanted.primary !== null && !pods.some((p) => p.name === wanted.primary)) {
      throw new Error(`no pod named ${wanted.primary} matches the selector`);
    }
    // Demote first: the Service must never select two pods.
    for (const p of pods) {
      if (p.name !== wanted.primary && p.role !== 'replica')
        await this.pods.setRole(p.name, 'replica', p.resourceVersion);
    }
    const leader = pods.find((p) => p.name === wanted.primary);
    if (leader && leader.role !== 'primary') await this.pods.setRole(leader.name, 'primary', leader.resourceVersion);
  }
}
