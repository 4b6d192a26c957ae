// Monitoring on the hosts target: where each process runs, what Prometheus scrapes (every address the
// topology's), and promtool accepting the config and the rules.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { hostPorts } from '../../spec/index.js';
import { requireBinary } from '../../../test/support/processes.js';
import { renderAlertRules } from '../prometheus.js';
import { prometheusUrl } from '../topology.js';
import { renderHost } from './bundle.js';
import { fixtureInput, hostOf, hostsSpec, SPLIT_ROLES_YAML, THREE_HOSTS_YAML } from './fixtures.js';
import { HOST_PATHS, SERVICE_NAMES } from './paths.js';
import { renderHostPrometheusConfig } from './monitoring.js';

type Job = {
  job_name: string;
  scheme?: string;
  tls_config?: Record<string, string>;
  metric_relabel_configs?: unknown[];
  static_configs: { targets: string[]; labels: { member: string } }[];
};
const jobsOf = (yaml: string) =>
  Object.fromEntries((parse(yaml) as { scrape_configs: Job[] }).scrape_configs.map((j) => [j.job_name, j]));
const targets = (j: Job | undefined) => j?.static_configs.map((s) => `${s.labels.member}=${s.targets[0]}`);
const servicesOn = (yaml: string, host: string) => {
  const spec = hostsSpec(yaml);
  return renderHost(spec, hostOf(spec, host), fixtureInput(host)).services.map((s) => s.name);
};

describe('hosts monitoring: placement', () => {
  test('Prometheus on the first haproxy host, an exporter beside each PostgreSQL server', () => {
    const split = hostsSpec(SPLIT_ROLES_YAML);
    assert.equal(split.monitoring.host, 'e3');
    assert.equal(prometheusUrl(split), 'http://10.30.0.3:9090');
    assert.ok(servicesOn(SPLIT_ROLES_YAML, 'e3').includes(SERVICE_NAMES.prometheus));
    assert.ok(!servicesOn(SPLIT_ROLES_YAML, 'e3').includes(SERVICE_NAMES.postgresExporter));
    assert.deepEqual(servicesOn(SPLIT_ROLES_YAML, 'e1'), [SERVICE_NAMES.etcd, SERVICE_NAMES.k3s]);
    for (const h of ['p1', 'p2']) {
      const on = servicesOn(SPLIT_ROLES_YAML, h);
      assert.ok(on.includes(SERVICE_NAMES.postgresExporter) && on.includes(SERVICE_NAMES.gardenosExporter), h);
    }
  });

  test('monitoring.host and the ports are the spec’s; the preflight checks them on the hosts that bind them', () => {
    const spec = hostsSpec(
      `${SPLIT_ROLES_YAML}monitoring: { host: p1, prometheusPort: 19090, postgresExporterPort: 19187, exporterPort: 19188 }\n`,
    );
    assert.equal(prometheusUrl(spec), 'http://10.30.0.4:19090');
    const owners = (h: string) =>
      hostPorts(spec, hostOf(spec, h))
        .filter((p) => p.path[0] === 'monitoring')
        .map((p) => `${p.owner}:${p.port}`);
    assert.deepEqual(owners('p1'), ['Prometheus:19090', 'PostgreSQL exporter:19187', 'gardenos exporter:19188']);
    assert.deepEqual(owners('e3'), []);
    const jobs = jobsOf(renderHostPrometheusConfig(spec));
    assert.deepEqual(targets(jobs.postgres), ['p1=10.30.0.4:19187', 'p2=10.30.0.5:19187']);
  });

  test('with backups, the repository host runs gardenos’s exporter for the backups’ age', () => {
    const spec = hostsSpec(`${SPLIT_ROLES_YAML}backup: { enabled: true, repoHost: e1 }\n`);
    const e1 = renderHost(spec, hostOf(spec, 'e1'), fixtureInput('e1'));
    const exporter = e1.services.find((s) => s.name === SERVICE_NAMES.gardenosExporter);
    assert.ok(exporter);
    assert.ok(exporter.exec.includes('--pgbackrest-config') && !exporter.exec.includes('--data-dir'));
    const p1 = renderHost(spec, hostOf(spec, 'p1'), fixtureInput('p1'));
    const p1Exec = p1.services.find((s) => s.name === SERVICE_NAMES.gardenosExporter)!.exec;
    assert.ok(p1Exec.includes('--data-dir') && !p1Exec.includes('--pgbackrest-config'));
  });

  test('monitoring.enabled: false renders none of it', () => {
    const spec = hostsSpec(`${THREE_HOSTS_YAML}monitoring: { enabled: false }\n`);
    const b = renderHost(spec, hostOf(spec, 's1'), fixtureInput('s1'));
    assert.ok(!b.services.some((s) => /prometheus|exporter/.test(s.name)));
    assert.ok(!b.files.some((f) => /prometheus|exporter/.test(f.path)));
    assert.ok(!b.files.some((f) => f.content.includes('gardenos_monitor')));
  });
});

describe('hosts monitoring: what Prometheus scrapes', () => {
  const spec = hostsSpec(THREE_HOSTS_YAML);
  const jobs = jobsOf(renderHostPrometheusConfig(spec));

  test('every component on its host’s private address, labelled with the host’s name', () => {
    const each = (port: number) => [1, 2, 3].map((i) => `s${i}=10.20.0.${10 + i}:${port}`);
    assert.deepEqual(Object.keys(jobs).sort(), ['etcd', 'gardenos', 'haproxy', 'patroni', 'postgres', 'router']);
    assert.deepEqual(targets(jobs.patroni), each(8008));
    assert.deepEqual(targets(jobs.etcd), each(2379));
    assert.deepEqual(targets(jobs.haproxy), each(7000));
    assert.deepEqual(targets(jobs.router), each(8010));
    assert.deepEqual(targets(jobs.postgres), each(9187));
    assert.deepEqual(targets(jobs.gardenos), each(9188));
    // One exporter per server: no relabelling by socket port (every server is on 5432).
    assert.equal(jobs.postgres!.metric_relabel_configs, undefined);
  });

  test('TLS with what the hosts already have: the CA for Patroni, the host certificate for etcd', () => {
    assert.equal(jobs.patroni!.scheme, 'https');
    assert.deepEqual(jobs.patroni!.tls_config, { ca_file: HOST_PATHS.tls.ca });
    assert.deepEqual(jobs.etcd!.tls_config, {
      ca_file: HOST_PATHS.tls.ca,
      cert_file: HOST_PATHS.tls.cert,
      key_file: HOST_PATHS.tls.key('prometheus'),
    });
    const s1 = renderHost(spec, hostOf(spec, 's1'), fixtureInput('s1'));
    const key = s1.files.find((f) => f.path === HOST_PATHS.tls.key('prometheus'));
    assert.deepEqual([key?.owner, key?.mode, key?.secret], ['prometheus', 0o600, true]);
    const rules = s1.files.find((f) => f.path === HOST_PATHS.prometheus.rules)?.content ?? '';
    assert.match(rules, /alert: EtcdMemberDown/);
    // The fixes name the hosts target's command: provision starts what stopped.
    assert.match(rules, /start it with `gardenos provision`/);
    assert.doesNotMatch(rules, /gardenos up/);
  });

  test('promtool accepts the config (its TLS files in place) and the rules of a full spec', (t) => {
    requireBinary('promtool', 'apt-get install -y prometheus');
    const dir = mkdtempSync(join(tmpdir(), 'gardenos-hosts-prom-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // The config names absolute paths on the host: rebase them into the test's dir.
    const rebase = (text: string) => text.replaceAll('/etc/gardenos/', `${dir}/`);
    for (const f of [HOST_PATHS.tls.ca, HOST_PATHS.tls.cert, HOST_PATHS.tls.key('prometheus')]) {
      mkdirSync(dirname(rebase(f)), { recursive: true });
      writeFileSync(rebase(f), '');
    }
    const rules = rebase(HOST_PATHS.prometheus.rules);
    mkdirSync(dirname(rules), { recursive: true });
    writeFileSync(rules, renderAlertRules(spec));
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, rebase(renderHostPrometheusConfig(spec)));
    execFileSync('promtool', ['check', 'rules', rules], { stdio: 'pipe' });
    execFileSync('promtool', ['check', 'config', config], { stdio: 'pipe' });
  });
});
