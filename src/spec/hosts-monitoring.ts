// Which monitoring processes each host of the hosts target runs, and the ports they bind there.
import type { HostConfig, Spec } from './resolve.js';

/**
 * Which monitoring processes a host runs (hosts target, monitoring.enabled): Prometheus on the monitoring
 * host; the PostgreSQL exporter beside each PostgreSQL server (over its Unix socket); gardenos's exporter
 * on each PostgreSQL host (its data dir's disk) and on the backup repository's host (the backups' age).
 */
export function monitoringOn(
  spec: Spec,
  host: HostConfig,
): { prometheus: boolean; postgresExporter: boolean; gardenosExporter: boolean } {
  const on = spec.monitoring.enabled && spec.hosts !== undefined;
  const pg = host.roles.includes('postgres');
  return {
    prometheus: on && spec.monitoring.host === host.name,
    postgresExporter: on && pg,
    gardenosExporter: on && (pg || spec.backup?.repoHost === host.name),
  };
}

/** The ports of those processes on one host, for the preflight's port check. */
export function monitoringPorts(
  spec: Spec,
  host: HostConfig,
): { path: (string | number)[]; port: number; owner: string }[] {
  const m = spec.monitoring;
  const on = monitoringOn(spec, host);
  return [
    ...(on.prometheus ? [{ path: ['monitoring', 'prometheusPort'], port: m.prometheusPort, owner: 'Prometheus' }] : []),
    ...(on.postgresExporter
      ? [{ path: ['monitoring', 'postgresExporterPort'], port: m.postgresExporterPort, owner: 'PostgreSQL exporter' }]
      : []),
    ...(on.gardenosExporter
      ? [{ path: ['monitoring', 'exporterPort'], port: m.exporterPort, owner: 'gardenos exporter' }]
      : []),
  ];
}
