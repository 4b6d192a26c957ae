// The live dashboard: a page of the platform's topology, leader changes with their write gap, metrics and findings.
export { DashboardHub, INTERVALS, type HubSources } from './hub.js';
export { createDashboardApp } from './server.js';
export { bindDashboardPort, readDashboardAssets, serveDashboard } from './listen.js';
export { startWebSide } from './privsep.js';
export { readOrCreateToken } from './token.js';
export { dashboardReadyProbe } from './ready-probe.js';
export { PgPrimaryProbe } from './pg-primary-probe.js';
export { PrometheusMetricsSource, monitoringOff, type MetricsSource } from './prometheus-metrics-source.js';
export { dashboardLaunchArgs } from './launch.js';
export { PROBE_INTERVAL_MS, TIMELINE_LENGTH } from './write-gap.js';
