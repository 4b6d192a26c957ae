// Monitoring of the platform: gardenos's own exporter (and what reads Prometheus for status and doctor).
export {
  createExporterRegistry,
  startExporterServer,
  type BackupFacts,
  type DataDir,
  type ExporterSources,
} from './node-exporter.js';
export { firingAlerts, readFiringAlerts, type AlertView, type AlertsRead, type PromAlert } from './alerts.js';
