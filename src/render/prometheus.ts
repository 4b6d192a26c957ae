// Renders Prometheus's files: the scrape configuration for every component and the alert and recording
// rules. Pure: the addresses come from the topology.
import { stringify } from 'yaml';
import type { Spec } from '../spec/index.js';
import { BACKENDS } from './haproxy.js';
import { GENERATED_HEADER, type ScrapeTargetAt, type Topology } from './topology.js';

/** The files Prometheus needs to reach the components that speak TLS. */
export interface ScrapeTls {
  /** The CA that signed the Patroni REST API and etcd certificates. */
  caFile: string;
  /** Prometheus's own etcd client certificate (etcd asks every client for one). */
  etcdCertFile?: string;
  etcdKeyFile?: string;
}

export interface PrometheusInput {
  spec: Spec;
  topology: Topology;
  /** Where HAProxy, the router and the exporters listen (default: every one on `host`, the local target). */
  targets?: PlatformTargets;
  /** The address the platform's own listeners (HAProxy, router, exporters) bind on one machine. */
  host?: string;
  rulesFile: string;
  tls?: ScrapeTls;
  /** host:port of each Alertmanager Prometheus sends its alerts to (monitoring.alertmanager). */
  alertmanagers?: string[];
}

/** The components besides etcd and Patroni (those come from the topology), each a member label and host:port. */
export interface PlatformTargets {
  haproxy: ScrapeTargetAt[];
  routers: ScrapeTargetAt[];
  postgresExporters: ScrapeTargetAt[];
  /**
   * One exporter for every node (the local target): each series carries the node's socket and port as
   * `server`, and the member label is taken from it. Otherwise each exporter reads its own node only.
   */
  postgresMemberFromServer: boolean;
  gardenosExporters: ScrapeTargetAt[];
}

/** The local target: one HAProxy, router and exporter of each kind, all on the bind address. */
export function localTargets(spec: Spec, host: string): PlatformTargets {
  const m = spec.monitoring;
  return {
    haproxy: [{ member: 'haproxy', address: `${host}:${spec.haproxy.statsPort}` }],
    routers: spec.router.enabled ? [{ member: 'router', address: `${host}:${spec.router.port}` }] : [],
    postgresExporters: [{ member: 'postgres-exporter', address: `${host}:${m.postgresExporterPort}` }],
    postgresMemberFromServer: true,
    gardenosExporters: [{ member: 'gardenos-exporter', address: `${host}:${m.exporterPort}` }],
  };
}

type StaticConfig = { targets: string[]; labels: Record<string, string> };

/** The member label Prometheus puts on every series, so rules and charts name members, not ports. */
const member = (name: string, target: string): StaticConfig => ({ targets: [target], labels: { member: name } });
const members = (list: readonly ScrapeTargetAt[]) => list.map((t) => member(t.member, t.address));

export function buildPrometheusConfig(input: PrometheusInput): Record<string, unknown> {
  const { spec, topology, tls } = input;
  const m = spec.monitoring;
  const targets = input.targets ?? localTargets(spec, input.host ?? spec.local.bindAddress);
  const interval = `${m.scrapeIntervalS}s`;
  const patroniHttps = topology.patroniScheme === 'https';
  const jobs: Record<string, unknown>[] = [
    {
      job_name: 'patroni',
      scheme: topology.patroniScheme,
      ...(patroniHttps && tls ? { tls_config: { ca_file: tls.caFile } } : {}),
      static_configs: topology.nodes.map((n) => member(n.name, `${n.host}:${n.apiPort}`)),
    },
    {
      job_name: 'etcd',
      scheme: spec.etcd.scheme,
      ...(spec.etcd.scheme === 'https' && tls
        ? {
            tls_config: {
              ca_file: tls.caFile,
              ...(tls.etcdCertFile ? { cert_file: tls.etcdCertFile, key_file: tls.etcdKeyFile } : {}),
            },
          }
        : {}),
      static_configs: topology.etcd.map((e) => member(e.name, `${e.host}:${e.clientPort}`)),
    },
    { job_name: 'haproxy', static_configs: members(targets.haproxy) },
    {
      // postgres_exporter 0.11 sleeps 1 s per scrape on each node it cannot reach (its GetServer retry),
      // so this job may take the whole interval: a stopped node must not make the exporter seem down.
      job_name: 'postgres',
      scrape_timeout: `${m.scrapeIntervalS}s`,
      static_configs: members(targets.postgresExporters),
      ...(targets.postgresMemberFromServer
        ? {
            metric_relabel_configs: topology.nodes.map((n) => ({
              source_labels: ['server'],
              regex: `.*:${n.pgPort}`,
              target_label: 'member',
              replacement: n.name,
            })),
          }
        : {}),
    },
    { job_name: 'gardenos', static_configs: members(targets.gardenosExporters) },
  ];
  if (targets.routers.length > 0) jobs.push({ job_name: 'router', static_configs: members(targets.routers) });
  return {
    global: {
      scrape_interval: interval,
      evaluation_interval: interval,
      // Below the interval: a hung target must not make the next scrape of it wait.
      scrape_timeout: `${Math.max(1, Math.min(m.scrapeIntervalS - 1 || 1, 4))}s`,
      external_labels: { cluster: spec.name },
    },
    rule_files: [input.rulesFile],
    ...(input.alertmanagers?.length
      ? { alerting: { alertmanagers: [{ static_configs: [{ targets: input.alertmanagers }] }] } }
      : {}),
    scrape_configs: jobs,
  };
}

export function renderPrometheusConfig(input: PrometheusInput): string {
  return `# ${GENERATED_HEADER}\n` + stringify(buildPrometheusConfig(input), { lineWidth: 0 });
}

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const alert = (name: string, expr: string, forS: number, summary: string, fix: string): Rule => ({
  alert: name,
  expr,
  for: `${forS}s`,
  labels: { severity: 'critical' },
  annotations: { summary, fix },
});

/** Every alert name the rules define, in the order `status` and `doctor` list them. */
export function alertNames(spec: Spec): string[] {
  return buildAlertRules(spec).flatMap((r) => (r.alert ? [r.alert] : []));
}

export function buildAlertRules(spec: Spec): Rule[] {
  const a = spec.monitoring.alerts;
  const nodes = spec.nodes.length;
  const quorum = Math.floor(spec.etcd.members.length / 2) + 1;
  // A window long enough for two scrapes whatever the interval.
  const window = `${Math.max(4 * spec.monitoring.scrapeIntervalS, 20)}s`;
  // The shortest hold: two scrapes, so a target not scraped yet when Prometheus starts (no sample: the
  // `or vector(0)` side) is pending, never firing, on a platform that is healthy a scrape later.
  const urgent = 2 * spec.monitoring.scrapeIntervalS;
  const hold = Math.max(a.forS, urgent);
  // What starts a stopped component again: `up` on one machine, `provision` on the hosts target.
  const heal = spec.hosts ? '`gardenos provision`' : '`gardenos up`';
  const recording: Rule[] = [
    {
      record: 'gardenos:commits_per_second',
      expr: `sum by (member) (rate(pg_stat_database_xact_commit{job="postgres"}[${window}]))`,
    },
    { record: 'gardenos:connections', expr: 'sum by (member) (pg_stat_activity_count{job="postgres"})' },
    {
      // Seen from the primary, per replica (Patroni names each standby's application_name after it).
      record: 'gardenos:replica_lag_bytes',
      expr: 'max by (member) (label_replace(pg_gardenos_replication_replay_lag_bytes, "member", "$1", "application_name", "(.+)"))',
    },
    {
      record: 'gardenos:replica_streaming',
      expr: 'max by (member) (label_replace(pg_gardenos_replication_streaming, "member", "$1", "application_name", "(.+)"))',
    },
  ];
  const alerts: Rule[] = [
    alert(
      'PatroniNoLeader',
      '(sum(patroni_primary) or vector(0)) == 0',
      Math.max(Math.floor(a.forS / 2), urgent),
      'No Patroni member is the primary: writes fail',
      'run `gardenos doctor`; if etcd lost quorum bring its members back, else `gardenos failover --to NODE`',
    ),
    alert(
      'MultiplePrimaries',
      'count(pg_gardenos_recovery_in_recovery == 0) > 1 or sum(patroni_primary) > 1',
      urgent,
      'More than one PostgreSQL server takes writes (split brain)',
      'stop the server that is not the leader in etcd (`gardenos status` names it); its writes since the change are not on the leader',
    ),
    alert(
      'EtcdMemberDown',
      'up{job="etcd"} == 0',
      hold,
      'etcd member {{ $labels.member }} does not answer',
      `start it with ${heal}; read \`gardenos logs {{ $labels.member }}\``,
    ),
    alert(
      'EtcdNoQuorum',
      `(count(up{job="etcd"} == 1) or vector(0)) < ${quorum} or max(etcd_server_has_leader) == 0`,
      urgent,
      `etcd has fewer than ${quorum} members answering: Patroni cannot hold the leader lock`,
      `start the stopped etcd members with ${heal}`,
    ),
    alert(
      'HaproxyPrimaryNoServer',
      `(sum(haproxy_backend_active_servers{proxy="${BACKENDS.primary}"}) or vector(0)) == 0`,
      hold,
      'HAProxy has no UP server in the primary backend: writes through the primary port fail',
      'run `gardenos doctor`: no leader, or HAProxy cannot reach the Patroni REST API',
    ),
    alert(
      'PostgresExporterDown',
      'up{job=~"postgres|gardenos|patroni|haproxy"} == 0',
      hold,
      '{{ $labels.job }} target {{ $labels.member }} cannot be scraped',
      `start it with ${heal}; read \`gardenos logs {{ $labels.member }}\``,
    ),
  ];
  if (nodes >= 2) {
    alerts.push(
      alert(
        'ReplicaLagHigh',
        `gardenos:replica_lag_bytes > ${a.replicaLagBytes}`,
        hold,
        'Replica {{ $labels.member }} replays {{ $value | humanize1024 }}B behind the primary',
        'look for a long query or a slow disk on that replica (`gardenos logs {{ $labels.member }}`)',
      ),
      alert(
        'ReplicaNotStreaming',
        // Only while the primary's exporter answers (some exporter reports a server out of recovery):
        // the replication series come from the primary's, and vanish when it is down, which
        // PostgresExporterDown reports; that is not a replica that stopped streaming. An exporter on
        // a replica's host being down (the hosts target) does not silence it.
        `((count(gardenos:replica_streaming == 1) or vector(0)) < ${nodes - 1}) unless on() absent(pg_gardenos_recovery_in_recovery == 0)`,
        hold,
        `Fewer than ${nodes - 1} replicas stream from the primary`,
        `run \`gardenos status\`: a stopped node starts with ${heal}`,
      ),
    );
  }
  if (spec.router.enabled) {
    alerts.push(
      alert(
        'RouterDown',
        'up{job="router"} == 0',
        hold,
        'The primary router does not answer: writes follow a new leader only at HAProxy health-check speed',
        `start it with ${heal}; read \`gardenos logs router\``,
      ),
      alert(
        'RouterWatchErrors',
        `increase(gardenos_router_watch_errors_total[${window}]) > 0`,
        urgent,
        'The router lost its watch of the leader key',
        'check etcd (`gardenos doctor`); the router rebuilds its watch by itself',
      ),
    );
  }
  if (spec.backup?.enabled) {
    alerts.push(
      alert(
        'WalArchivingFailing',
        'pg_gardenos_archiver_last_failed_time > pg_gardenos_archiver_last_archived_time',
        hold,
        'WAL archiving on {{ $labels.member }} fails: point-in-time recovery falls behind',
        'read the pgBackRest error with `gardenos logs {{ $labels.member }}`; check the repository disk',
      ),
      alert(
        'BackupTooOld',
        `time() - gardenos_backup_last_completed_timestamp_seconds > ${Math.round(a.backupMaxAgeHours * 3600)} or gardenos_backup_count == 0`,
        hold,
        `The newest backup is older than ${a.backupMaxAgeHours} h`,
        'run `gardenos backup` and schedule it',
      ),
    );
  }
  alerts.push(
    alert(
      'DataDiskNearlyFull',
      `100 * gardenos_data_dir_free_bytes / gardenos_data_dir_size_bytes < ${a.diskFreePercent}`,
      hold,
      `The filesystem of {{ $labels.member }}'s data dir has less than ${a.diskFreePercent} % free`,
      'free space or grow the disk before PostgreSQL stops on a full disk',
    ),
  );
  return [...recording, ...alerts];
}

export function renderAlertRules(spec: Spec): string {
  return (
    `# ${GENERATED_HEADER}\n` +
    stringify(
      { groups: [{ name: 'gardenos', interval: `${spec.monitoring.scrapeIntervalS}s`, rules: buildAlertRules(spec) }] },
      { lineWidth: 0 },
    )
  );
}
