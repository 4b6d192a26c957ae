// Prometheus's files: every component scraped with the member label, rules promtool accepts, and
// alerts that only exist for what the spec runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadSpec } from '../spec/index.js';
import { localTopology } from './topology.js';
import { alertNames, buildPrometheusConfig, renderAlertRules, renderPrometheusConfig } from './prometheus.js';
import { renderPostgresExporterQueries } from './postgres-exporter-queries.js';

const load = (yaml: string) => loadSpec(yaml, { source: 'test', defaultStateDir: () => '/s' });
const spec = load('monitoring: { scrapeIntervalS: 2, alerts: { forS: 10 } }');
const input = (dir: string) => ({
  spec,
  topology: localTopology(spec),
  host: '127.0.0.1',
  rulesFile: join(dir, 'rules.yml'),
  tls: { caFile: join(dir, 'ca.crt'), etcdCertFile: join(dir, 'p.crt'), etcdKeyFile: join(dir, 'p.key') },
});

test('scrape config: one job per component, each target labelled with its member', () => {
  const cfg = buildPrometheusConfig(input('/m')) as {
    scrape_configs: { job_name: string; static_configs: { targets: string[]; labels: { member: string } }[] }[];
  };
  const jobs = Object.fromEntries(cfg.scrape_configs.map((j) => [j.job_name, j]));
  assert.deepEqual(Object.keys(jobs).sort(), ['etcd', 'gardenos', 'haproxy', 'patroni', 'postgres', 'router']);
  assert.deepEqual(
    jobs.patroni!.static_configs.map((s) => [s.labels.member, s.targets[0]]),
    spec.nodes.map((n) => [n.name, `127.0.0.1:${n.apiPort}`]),
  );
  assert.deepEqual(
    jobs.etcd!.static_configs.map((s) => s.targets[0]),
    spec.etcd.members.map((m) => `127.0.0.1:${m.clientPort}`),
  );
  assert.equal(jobs.haproxy!.static_configs[0]!.targets[0], `127.0.0.1:${spec.haproxy.statsPort}`);
  const noPooler = load('pooler: { enabled: false }\nrouter: { enabled: false }');
  const jobs2 = (
    buildPrometheusConfig({ ...input('/m'), spec: noPooler }) as { scrape_configs: { job_name: string }[] }
  ).scrape_configs.map((j) => j.job_name);
  assert.ok(!jobs2.includes('router'));
});

test('the postgres job may take the whole interval (1 s per unreachable node), and the spec takes no interval below 2 s', () => {
  const cfg = buildPrometheusConfig(input('/m')) as {
    global: { scrape_timeout: string };
    scrape_configs: { job_name: string; scrape_timeout?: string }[];
  };
  assert.equal(cfg.global.scrape_timeout, '1s');
  assert.equal(cfg.scrape_configs.find((j) => j.job_name === 'postgres')?.scrape_timeout, '2s');
  assert.throws(() => load('monitoring: { scrapeIntervalS: 1 }'), /scrapeIntervalS/);
});

test('alerts exist for what runs: backup alerts only with backup.enabled, replica alerts only with 2+ nodes', () => {
  assert.ok(!alertNames(spec).includes('BackupTooOld'));
  assert.ok(alertNames(load('backup: { enabled: true }')).includes('BackupTooOld'));
  assert.ok(alertNames(spec).includes('ReplicaNotStreaming'));
  assert.ok(!alertNames(load('nodes: 1')).includes('ReplicaNotStreaming'));
  const rules = parse(renderAlertRules(spec)) as { groups: { rules: { alert?: string; for?: string }[] }[] };
  const lag = rules.groups[0]!.rules.find((r) => r.alert === 'ReplicaLagHigh');
  assert.equal(lag?.for, '10s');
});

test('promtool accepts the config, the rules (every alert of a full spec) and the exporter queries parse', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gardenos-prom-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const full = load('backup: { enabled: true }');
  const i = { ...input(dir), spec: full };
  for (const f of ['ca.crt', 'p.crt', 'p.key']) writeFileSync(join(dir, f), '');
  writeFileSync(i.rulesFile, renderAlertRules(full));
  writeFileSync(join(dir, 'prometheus.yml'), renderPrometheusConfig(i));
  execFileSync('promtool', ['check', 'rules', i.rulesFile], { stdio: 'pipe' });
  execFileSync('promtool', ['check', 'config', '--syntax-only', join(dir, 'prometheus.yml')], { stdio: 'pipe' });
  const queries = parse(renderPostgresExporterQueries()) as Record<string, { query: string }>;
  assert.deepEqual(Object.keys(queries).sort(), [
    'pg_gardenos_archiver',
    'pg_gardenos_recovery',
    'pg_gardenos_replication',
  ]);
});

test('promtool test rules: ReplicaNotStreaming fires for a replica that stopped streaming, not for an exporter that is down', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gardenos-prom-rules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rulesFile = join(dir, 'rules.yml');
  writeFileSync(rulesFile, renderAlertRules(spec));
  const rules = parse(renderAlertRules(spec)) as { groups: { rules: { alert?: string; annotations?: object }[] }[] };
  const annotations = rules.groups[0]!.rules.find((r) => r.alert === 'ReplicaNotStreaming')!.annotations;
  const exporterUp = (member: string, up: 0 | 1) => ({
    series: `up{job="postgres",member="${member}"}`,
    values: `${up}x60`,
  });
  // What the primary's exporter reports: its server is out of recovery.
  const primary = { series: 'pg_gardenos_recovery_in_recovery{job="postgres",member="pg1"}', values: '0x60' };
  const streaming = (member: string) => ({
    series: `pg_gardenos_replication_streaming{application_name="${member}",job="postgres",member="pg1"}`,
    values: '1x60',
  });
  const expectAt50s = (fires: boolean) => [
    {
      eval_time: '50s',
      alertname: 'ReplicaNotStreaming',
      exp_alerts: fires ? [{ exp_labels: { severity: 'critical' }, exp_annotations: annotations }] : [],
    },
  ];
  const tests = {
    rule_files: [rulesFile],
    evaluation_interval: '1s',
    tests: [
      // Both replicas stream: quiet.
      {
        interval: '1s',
        input_series: [exporterUp('pg1', 1), primary, streaming('pg2'), streaming('pg3')],
        alert_rule_test: expectAt50s(false),
      },
      // One replica stopped streaming while the primary's exporter answers: fires.
      {
        interval: '1s',
        input_series: [exporterUp('pg1', 1), primary, streaming('pg2')],
        alert_rule_test: expectAt50s(true),
      },
      // The same with the stopped replica's own exporter down too (the hosts target, one per host): still fires.
      {
        interval: '1s',
        input_series: [exporterUp('pg1', 1), exporterUp('pg3', 0), primary, streaming('pg2')],
        alert_rule_test: expectAt50s(true),
      },
      // The (primary's) exporter is down, so no series at all: PostgresExporterDown's case, not this one.
      { interval: '1s', input_series: [exporterUp('pg1', 0)], alert_rule_test: expectAt50s(false) },
    ],
  };
  const testFile = join(dir, 'tests.yml');
  writeFileSync(testFile, JSON.stringify(tests));
  execFileSync('promtool', ['test', 'rules', testFile], { stdio: 'pipe' });
});
