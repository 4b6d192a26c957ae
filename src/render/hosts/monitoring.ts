// Monitoring on the hosts target: Prometheus (config and the same alert rules as on one machine) on the
// monitoring host, the PostgreSQL exporter beside each PostgreSQL server over its Unix socket, and
// gardenos's exporter on each PostgreSQL host and on the repository host. Every address is the topology's.
import { monitoringOn, type HostConfig, type Spec } from '../../spec/index.js';
import { stanzaOf } from '../pgbackrest.js';
import { monitorDsn, postgresExporterArgs } from '../postgres-exporter.js';
import { renderPostgresExporterQueries } from '../postgres-exporter-queries.js';
import { renderAlertRules, renderPrometheusConfig } from '../prometheus.js';
import { hostsMonitoring, hostsTopology, type ScrapeTargetAt } from '../topology.js';
import { withHostsHeader } from './header.js';
import { publicHostFile, type HostFile, type HostPrograms, type HostService } from './model.js';
import { BASE_ENVIRONMENT, HOST_PATHS, HOST_USERS, SERVICE_NAMES } from './paths.js';

/** prometheus.yml of the monitoring host: every component on its host's address, TLS by the hosts' CA. */
export function renderHostPrometheusConfig(spec: Spec): string {
  const at = hostsMonitoring(spec);
  return withHostsHeader(
    renderPrometheusConfig({
      spec,
      topology: hostsTopology(spec),
      targets: {
        haproxy: at.haproxy,
        routers: at.routers,
        postgresExporters: at.postgresExporters,
        postgresMemberFromServer: false,
        gardenosExporters: at.gardenosExporters,
      },
      rulesFile: HOST_PATHS.prometheus.rules,
      // Patroni's certificate is checked by the CA; etcd asks for a client certificate: the host's own,
      // read through Prometheus's copy of the key.
      tls: {
        caFile: HOST_PATHS.tls.ca,
        etcdCertFile: HOST_PATHS.tls.cert,
        etcdKeyFile: HOST_PATHS.tls.key('prometheus'),
      },
    }),
  );
}

export function renderMonitoringFiles(spec: Spec, host: HostConfig): HostFile[] {
  const on = monitoringOn(spec, host);
  return [
    ...(on.prometheus
      ? [
          publicHostFile(HOST_PATHS.prometheus.config, renderHostPrometheusConfig(spec), [SERVICE_NAMES.prometheus]),
          publicHostFile(HOST_PATHS.prometheus.rules, withHostsHeader(renderAlertRules(spec)), [
            SERVICE_NAMES.prometheus,
          ]),
        ]
      : []),
    ...(on.postgresExporter
      ? [
          publicHostFile(HOST_PATHS.postgresExporter.queries, withHostsHeader(renderPostgresExporterQueries()), [
            SERVICE_NAMES.postgresExporter,
          ]),
        ]
      : []),
  ];
}

/** The services in start order: the exporters, then Prometheus (its first scrape then finds them up). */
export function renderMonitoringServices(spec: Spec, host: HostConfig, programs: HostPrograms): HostService[] {
  const on = monitoringOn(spec, host);
  return [
    ...(on.postgresExporter ? [postgresExporterService(spec, host, programs)] : []),
    ...(on.gardenosExporter ? [gardenosExporterService(spec, host, programs)] : []),
    ...(on.prometheus ? [prometheusService(spec, host, programs)] : []),
  ];
}

function listenOf(list: readonly ScrapeTargetAt[], host: HostConfig, what: string): string {
  const t = list.find((x) => x.member === host.name);
  if (!t) throw new Error(`${what}: host ${host.name} runs none`);
  return t.address;
}

const common = {
  environmentFiles: [],
  after: ['network-online.target'],
  wants: ['network-online.target'],
  restart: { policy: 'always' as const, delaySec: 2 },
  limits: { noFile: 65536 },
  stop: { timeoutSec: 30, mainProcessOnly: false },
  unit: 'own' as const,
};

function prometheusService(spec: Spec, host: HostConfig, programs: HostPrograms): HostService {
  const m = spec.monitoring;
  const dataDir = HOST_PATHS.prometheus.dataDir;
  return {
    ...common,
    name: SERVICE_NAMES.prometheus,
    description: `gardenos Prometheus on ${host.name}: scrapes and evaluates the alert rules (cluster ${spec.name})`,
    user: HOST_USERS.prometheus,
    group: HOST_USERS.prometheus,
    exec: [
      programs.prometheus,
      `--config.file=${HOST_PATHS.prometheus.config}`,
      `--storage.tsdb.path=${dataDir}`,
      `--storage.tsdb.retention.time=${m.retention}`,
      `--web.listen-address=${hostsMonitoring(spec).prometheus.address}`,
      '--log.level=warn',
    ],
    environment: { ...BASE_ENVIRONMENT, HOME: dataDir },
    workingDirectory: dataDir,
    directories: [{ path: dataDir, mode: 0o700 }],
    logFile: HOST_PATHS.logFile(SERVICE_NAMES.prometheus),
  };
}

function postgresExporterService(spec: Spec, host: HostConfig, programs: HostPrograms): HostService {
  const patroni = `${SERVICE_NAMES.patroni}.service`;
  return {
    ...common,
    name: SERVICE_NAMES.postgresExporter,
    description: `gardenos PostgreSQL exporter on ${host.name} (cluster ${spec.name})`,
    user: HOST_USERS.prometheus,
    group: HOST_USERS.prometheus,
    exec: [
      programs.postgresExporter,
      ...postgresExporterArgs(
        listenOf(hostsMonitoring(spec).postgresExporters, host, 'postgresExporterService'),
        HOST_PATHS.postgresExporter.queries,
      ),
    ],
    // No password: the socket's peer auth maps this OS user to gardenos_monitor alone.
    environment: {
      ...BASE_ENVIRONMENT,
      DATA_SOURCE_NAME: monitorDsn(
        HOST_PATHS.patroni.runDir,
        hostsTopology(spec).nodes.find((n) => n.name === host.name)!.pgPort,
      ),
    },
    after: [...common.after, patroni],
    wants: [...common.wants],
    directories: [],
    logFile: HOST_PATHS.logFile(SERVICE_NAMES.postgresExporter),
  };
}

function gardenosExporterService(spec: Spec, host: HostConfig, programs: HostPrograms): HostService {
  const pg = host.roles.includes('postgres');
  const repo = spec.backup?.repoHost === host.name;
  return {
    ...common,
    name: SERVICE_NAMES.gardenosExporter,
    description: `gardenos exporter on ${host.name}: ${[pg ? 'data dir disk' : '', repo ? 'backup age' : ''].filter(Boolean).join(', ')} (cluster ${spec.name})`,
    user: HOST_USERS.postgres,
    group: HOST_USERS.postgres,
    // A small heap, as on the local target.
    exec: [
      programs.node,
      '--max-semi-space-size=1',
      '--max-old-space-size=32',
      programs.gardenos,
      'exporter',
      '--listen',
      listenOf(hostsMonitoring(spec).gardenosExporters, host, 'gardenosExporterService'),
      ...(pg ? ['--data-dir', `${host.name}=${HOST_PATHS.patroni.dataDir(spec.postgres.version)}`] : []),
      ...(repo ? ['--pgbackrest-config', HOST_PATHS.pgbackrest.config, '--stanza', stanzaOf(spec)] : []),
    ],
    environment: { ...BASE_ENVIRONMENT, HOME: HOST_PATHS.patroni.home },
    after: [...common.after, ...(pg ? [`${SERVICE_NAMES.patroni}.service`] : [])],
    wants: [...common.wants],
    limits: { noFile: 4096 },
    directories: [],
    logFile: HOST_PATHS.logFile(SERVICE_NAMES.gardenosExporter),
  };
}
