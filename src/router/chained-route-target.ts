// Several RouteTargets kept on one route (HAProxy and PgBouncer both in front of the leader): applied in
// order, and read as one, so any disagreement between them looks like a difference the router heals.
import type { ActualRoutes, PrimaryRoute, RouteTarget } from './types.js';

export class ChainedRouteTarget implements RouteTarget {
  readonly name: string;

  constructor(private readonly targets: readonly RouteTarget[]) {
    if (targets.length === 0) throw new Error('ChainedRouteTarget needs at least one target');
    this.name = targets.map((t) => t.name).join('+');
  }

  /** Ready anywhere counts (two targets on two members is two ready); routable only where every target agrees. */
  async actual(): Promise<ActualRoutes> {
    // A target that does not answer routes nowhere we know of: it makes the route look unsettled (so the
    // router applies again), but never hides what the others route.
    const settled = await Promise.allSettled(this.targets.map((t) => t.actual()));
    if (settled.every((r) => r.status === 'rejected')) throw (settled[0] as PromiseRejectedResult).reason;
    const all = settled.map((r) =>
      r.status === 'fulfilled' ? r.value : ({ ready: [], routable: [], members: [] } satisfies ActualRoutes),
    );
    const union = (pick: (a: ActualRoutes) => string[]) => [...new Set(all.flatMap(pick))].sort();
    const routable = all
      .map((a) => a.routable)
      .reduce((acc, r) => acc.filter((m) => r.includes(m)))
      .sort();
    return { ready: union((a) => a.ready), routable, members: union((a) => a.members) };
  }

  /** The first target of a kind (the router hands HAProxy back to its health checks when it stops). */
  first<T extends RouteTarget>(kind: abstract new (...args: never[]) => T): T | undefined {
    return this.targets.find((t): t is T => t instanceof kind);
  }

  /**
   * Never two destinations, not even across targets: with more than one, every target is un-routed
   * before any routes the new primary (a few ms with nobody routed, instead of two members ready).
   */
  async apply(wanted: PrimaryRoute): Promise<void> {
    const failed = new Map<RouteTarget, Error>();
    const each = async (route: PrimaryRoute) => {
      for (const t of this.targets) {
        if (failed.has(t)) continue;
        // One target down (PgBouncer stopped) must not keep the others on the old leader.
        await t.apply(route).catch((err: Error) => failed.set(t, err));
      }
    };
    if (wanted.primary !== null && this.targets.length > 1) {
      const before = await this.actual();
      // An unknown member changes nothing at all (each target would refuse it, after the un-route).
      if (!before.members.includes(wanted.primary)) throw new Error(`no target knows a member ${wanted.primary}`);
      if (before.ready.some((m) => m !== wanted.primary)) await each({ primary: null });
    }
    await each(wanted);
    if (failed.size > 0) {
      throw new Error([...failed].map(([t, err]) => `${t.name}: ${err.message}`).join('; '));
    }
  }
}
