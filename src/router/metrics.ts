// Prometheus metrics of one router, in its own registry.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface RouterMetrics {
  registry: Registry;
  routeChanges: Counter<'target'>;
  leaderToRoute: Histogram;
  watchErrors: Counter;
  /** 1 while the router holds PgBouncer paused for a switchover requested in the DCS. */
  poolerPaused: Gauge;
  poolerPauses: Counter<'outcome'>;
  poolerPauseSeconds: Histogram;
  poolerStalePauseResumes: Counter;
  /** null clears it: the leader key is gone. */
  setLeader(name: string | null): void;
}

export function createRouterMetrics(): RouterMetrics {
  const registry = new Registry();
  const routeChanges = new Counter({
    name: 'gardenos_router_route_changes_total',
    help: 'Routes applied to the target',
    labelNames: ['target'],
    registers: [registry],
  });
  const leaderToRoute = new Histogram({
    name: 'gardenos_router_leader_to_route_seconds',
    help: 'From a leader-key event reaching the router to the route being applied',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const watchErrors = new Counter({
    name: 'gardenos_router_watch_errors_total',
    help: 'Leader-key watch errors (each followed by a rebuild)',
    registers: [registry],
  });
  const leader = new Gauge({
    name: 'gardenos_router_current_leader',
    help: '1 for the member the leader key names',
    labelNames: ['member'],
    registers: [registry],
  });
  const poolerPaused = new Gauge({
    name: 'gardenos_router_pooler_paused',
    help: '1 while the router holds PgBouncer paused for a switchover requested in the DCS',
    registers: [registry],
  });
  const poolerPauses = new Counter({
    name: 'gardenos_router_pooler_pauses_total',
    help: 'Pauses for DCS switchover requests, by outcome (paused, timed-out, cancelled, held-elsewhere, failed)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const poolerPauseSeconds = new Histogram({
    name: 'gardenos_router_pooler_pause_seconds',
    help: 'How long PgBouncer was held paused, from PAUSE to RESUME',
    buckets: [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60],
    registers: [registry],
  });
  const poolerStalePauseResumes = new Counter({
    name: 'gardenos_router_pooler_stale_pause_resumes_total',
    help: 'Pauses left behind (clients waiting past the limit with no switchover under way) that the router ended',
    registers: [registry],
  });
  return {
    registry,
    routeChanges,
    leaderToRoute,
    watchErrors,
    poolerPaused,
    poolerPauses,
    poolerPauseSeconds,
    poolerStalePauseResumes,
    setLeader(name) {
      leader.reset();
      if (name !== null) leader.set({ member: name }, 1);
    },
  };
}
