// The local platform's monitoring files: Prometheus's config and rules and the postgres exporter's
// queries, rendered from the spec (apart from the components, so `status` does not load the renderers).
import { renderAlertmanagerConfig } from '../render/alertmanager.js';
import { renderPostgresExporterQueries } from '../render/postgres-exporter-queries.js';
import { renderAlertRules, renderPrometheusConfig } from '../render/prometheus.js';
import { alertmanagerAddress, alertmanagerOf, localTopology } from '../render/topology.js';
import { ensureOwnedDir, writeAtomic } from '../runtime/files.js';
import type { Spec } from '../spec/resolve.js';
import { localPkiAt } from './certs.js';
import type { Layout } from './layout.js';
import type { RunAs } from './run-as.js';

/** Writes Prometheus's config and rules and the exporter's queries (all readable: no secret in them). */
export function writeMonitoringConfigs(spec: Spec, layout: Layout, runAs: RunAs | undefined): void {
  const infra = runAs?.infra;
  ensureOwnedDir(layout.monitoringDir, 0o755, infra);
  ensureOwnedDir(layout.prometheusDataDir, 0o700, infra);
  const pki = localPkiAt(layout.certsDir);
  const am = alertmanagerOf(spec);
  const etcdClient = pki.files('prometheus');
  writeAtomic(layout.prometheusRules, renderAlertRules(spec), 0o644);
  writeAtomic(
    layout.prometheusConfig,
    renderPrometheusConfig({
      spec,
      topology: localTopology(spec),
      host: spec.local.bindAddress,
      rulesFile: layout.prometheusRules,
      ...(am ? { alertmanagers: [alertmanagerAddress(spec, am)] } : {}),
      tls: {
        caFile: pki.caFile,
        ...(spec.etcd.scheme === 'https' ? { etcdCertFile: etcdClient.certFile, etcdKeyFile: etcdClient.keyFile } : {}),
      },
    }),
    0o644,
  );
  writeAtomic(layout.postgresExporterQueries, renderPostgresExporterQueries(), 0o644);
  if (am) {
    ensureOwnedDir(layout.alertmanagerDataDir, 0o700, infra);
    writeAtomic(layout.alertmanagerConfig, renderAlertmanagerConfig(spec), 0o600, infra);
  }
}
