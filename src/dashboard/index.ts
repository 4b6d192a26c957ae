// The live dashboard: a page of the platform's topology, leader changes with their write gap, metrics and findings.
import { GARDENOS_BIN } from '../runtime/install-paths.js';
import type { Layout } from '../local/index.js';

export { DashboardHub, INTERVALS, type HubSources } from './hub.js';
export { createDashboardApp } from './server.js';
export { listenDashboard, readDashboardAssets } from './listen.js';
export { readOrCreateToken } from './token.js';
export { dashboardReadyProbe } from './ready-probe.js';
export { PgPrimaryProbe } from './pg-primary-probe.js';
export { PrometheusMetricsSource, monitoringOff, type MetricsSource } from './prometheus-metrics-source.js';
export { PROBE_INTERVAL_MS, TIMELINE_LENGTH } from './write-gap.js';

/**
 * How the supervisor runs the dashboard: `node bin/gardenos.js dashboard --state-dir DIR`. The state
 * dir is all it needs (it reads the stored spec, the secrets and the token file from it), so no secret
 * is ever on its command line. Run it with cwd = the state dir, so no stray ./gardenos.yaml is read.
 */
export function dashboardLaunchArgs(layout: Pick<Layout, 'root'>): { command: string; args: string[] } {
  return { command: process.execPath, args: [GARDENOS_BIN, 'dashboard', '--state-dir', layout.root] };
}
