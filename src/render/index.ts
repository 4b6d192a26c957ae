// Pure renderers: spec in, text or argument lists out. Nothing here touches disk, network or processes.
export {
  topologyOf,
  localTopology,
  hostsTopology,
  nodeAt,
  patroniApiUrl,
  patroniApis,
  patroniApiAddress,
  pgAddress,
  pgHostPort,
  etcdClientAddress,
  etcdClientUrl,
  etcdClientUrls,
  etcdClientEndpoints,
  etcdPeerUrl,
  scopePrefix,
  prometheusUrl,
  dashboardUrl,
  pgTls,
  pgTlsOn,
  appRole,
  GENERATED_HEADER,
  type PgTlsMode,
  type Topology,
  type NodeAt,
  type EtcdMemberAt,
  type PgAddress,
} from './topology.js';
export { renderEtcdArgs, type EtcdTlsFiles, type EtcdMemberInput } from './etcd.js';
export {
  renderPatroniConfig,
  buildPatroniConfig,
  renderPgHba,
  ROLE_NAMES,
  type PlatformSecrets,
  type PatroniNodeInput,
} from './patroni.js';
export { renderHaproxyConfig, BACKENDS, type HaproxyInput } from './haproxy.js';
export {
  renderPgbackrestConfig,
  archiveCommand,
  restoreCommand,
  nodeOptions,
  nodePgOptions,
  stanzaOf,
  type PgbackrestPaths,
  type RestoreTarget,
} from './pgbackrest.js';
export {
  APP_ROLE_COMMENT,
  APP_PASSWORD_ENV,
  APP_PASSWORD_SETTING,
  appRoleSql,
  appDatabaseExistsSql,
  createAppDatabaseSql,
  appDatabaseGrantsSql,
  psqlAppRoleScript,
} from './app-role-sql.js';
export {
  renderPrometheusConfig,
  buildPrometheusConfig,
  renderAlertRules,
  buildAlertRules,
  alertNames,
  localTargets,
  type PlatformTargets,
  type PrometheusInput,
  type ScrapeTls,
} from './prometheus.js';
export { MONITOR_ROLE_SQL, monitorDsn, postgresExporterArgs } from './postgres-exporter.js';
export { renderPostgresExporterQueries } from './postgres-exporter-queries.js';
