// The K8s target's Prometheus files: the local job names and rules, checked by the real promtool;
// pod discovery with its RBAC; NetworkPolicies that let only the operator's Prometheus in.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { localTopology } from '../topology.js';
import { buildAlertRules, buildPrometheusConfig, renderAlertRules } from '../prometheus.js';
import { FIXTURES, FULL_YAML, HOSTS_YAML, MINIMAL_YAML, findObject, renderFixture, specFrom } from './fixtures.js';
import { allObjects, type K8sObject } from './index.js';
import { ETCD_TLS_DIR, selectorOf } from './meta.js';
import { ingressAllowed, selects } from './network-policy-check.js';
import { LOCAL_ONLY_RULES, PROMETHEUS_FILES, renderPrometheusScrape } from './prometheus-scrape.js';
import { validateObject } from './validate-models.js';

type Job = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Rule = { alert?: string; record?: string; expr: string };

function monitoringOf(yaml: string) {
  const objs = allObjects(renderFixture(yaml));
  const configMap = findObject(objs, 'ConfigMap', 'garden-prometheus');
  const config = parse(configMap.data[PROMETHEUS_FILES.config]) as { rule_files: string[]; scrape_configs: Job[] };
  const rules = parse(configMap.data[PROMETHEUS_FILES.rules]) as { groups: { name: string; rules: Rule[] }[] };
  const jobs = new Map(config.scrape_configs.map((j) => [j.job_name as string, j]));
  return { objs, configMap, config, rules, jobs };
}

/** Runs the real promtool; missing, it fails the test with the install command instead of skipping. */
function promtool(args: string[]): string {
  try {
    return execFileSync('promtool', args, { encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('promtool is not installed: apt-get install -y prometheus', { cause: err });
    const out = err as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${out.stdout ?? ''}${out.stderr ?? ''}`, { cause: err });
  }
}

/** Debian builds promtool without Kubernetes discovery: it does not know the field at all. */
const NO_KUBERNETES_SD = /field kubernetes_sd_configs not found/;

/** The fields of upstream Prometheus's kubernetes_sd_config the renderer uses (discovery/kubernetes). */
function assertPodDiscovery(sd: Job[]): void {
  for (const block of sd) {
    assert.deepEqual(Object.keys(block).sort(), ['namespaces', 'role', 'selectors']);
    assert.equal(block.role, 'pod');
    assert.deepEqual(block.namespaces, { names: ['gardenos'] });
    // The pod role takes only pod selectors, one per role.
    assert.equal(block.selectors.length, 1);
    assert.deepEqual(Object.keys(block.selectors[0]).sort(), ['label', 'role']);
    assert.equal(block.selectors[0].role, 'pod');
    for (const term of block.selectors[0].label.split(','))
      assert.match(term, /^[a-z0-9./-]+!?=[a-z0-9.-]+$/, `a label selector term: ${term}`);
  }
}

/**
 * promtool check config, and with it check rules on the rules file the config names. The etcd
 * client Secret's mount is the only path outside the config's directory: it points at empty files in
 * `dir`. Where promtool has no Kubernetes discovery, each discovery block is swapped for an empty
 * file_sd_configs, so promtool still checks the relabelling, the TLS files and the rules.
 */
function checkConfig(dir: string, configMap: { data: Record<string, string> }): 'as rendered' | 'discovery swapped' {
  mkdirSync(join(dir, 'etcd-tls'));
  for (const f of ['ca.crt', 'tls.crt', 'tls.key']) writeFileSync(join(dir, 'etcd-tls', f), '');
  writeFileSync(join(dir, PROMETHEUS_FILES.rules), configMap.data[PROMETHEUS_FILES.rules]!);
  const text = configMap.data[PROMETHEUS_FILES.config]!.replaceAll(ETCD_TLS_DIR, join(dir, 'etcd-tls'));
  const file = join(dir, PROMETHEUS_FILES.config);
  writeFileSync(file, text);
  try {
    assert.match(promtool(['check', 'config', file]), /SUCCESS: \d+ rules found/);
    return 'as rendered';
  } catch (err) {
    if (!NO_KUBERNETES_SD.test((err as Error).message)) throw err;
  }
  const config = parse(text) as { scrape_configs: Job[] };
  for (const job of config.scrape_configs) {
    if (!job.kubernetes_sd_configs) continue;
    assertPodDiscovery(job.kubernetes_sd_configs);
    delete job.kubernetes_sd_configs;
    job.file_sd_configs = [{ files: [join(dir, 'targets.json')] }];
  }
  writeFileSync(join(dir, 'targets.json'), '[]');
  writeFileSync(file, stringify(config));
  assert.match(promtool(['check', 'config', file]), /SUCCESS: \d+ rules found/);
  return 'discovery swapped';
}

/** The pod template's labels and its first container's ports, of a rendered workload. */
function podOf(objs: K8sObject[], kind: string, name: string) {
  const template = findObject(objs, kind, name).spec.template;
  return {
    labels: template.metadata.labels as Record<string, string>,
    annotations: (template.metadata.annotations ?? {}) as Record<string, string>,
    ports: (template.spec.containers[0].ports as { containerPort: number }[]).map((p) => p.containerPort),
  };
}

describe('render --target k8s: Prometheus scrape config', () => {
  test('monitoring off: no ConfigMap, RBAC or policy of its own, and every other object unchanged', () => {
    const off = renderFixture('monitoring: { enabled: false }\n' + FULL_YAML);
    const spec = specFrom('monitoring: { enabled: false }\n' + FULL_YAML);
    assert.deepEqual(renderPrometheusScrape(spec, allObjects(off)), { policies: [], objects: [] });
    assert.ok(!off.some((c) => c.name === 'monitoring'));
    const on = allObjects(renderFixture(FULL_YAML)).filter((o) => !o.metadata.name.startsWith('garden-prometheus'));
    assert.deepEqual(on, allObjects(off));
    // The hosts target runs PostgreSQL and etcd on the servers: nothing here, even with monitoring asked for.
    const hosts = specFrom(HOSTS_YAML);
    const asked = { ...hosts, monitoring: { ...hosts.monitoring, enabled: true } };
    assert.deepEqual(renderPrometheusScrape(asked, allObjects(renderFixture(HOSTS_YAML))), {
      policies: [],
      objects: [],
    });
  });

  test("the local config's job names for the same components; the rules' jobs are all scraped", () => {
    const { jobs, config, rules } = monitoringOf(FULL_YAML);
    const spec = specFrom(FULL_YAML);
    const local = buildPrometheusConfig({ spec, topology: localTopology(spec), host: '127.0.0.1', rulesFile: 'r' });
    const localJobs = (local.scrape_configs as Job[]).map((j) => j.job_name);
    assert.deepEqual([...jobs.keys()], ['patroni', 'etcd', 'router', 'kubernetes-pods']);
    for (const job of ['patroni', 'etcd', 'router']) assert.ok(localJobs.includes(job), job);
    assert.deepEqual(config.rule_files, [PROMETHEUS_FILES.rules]);
    assert.deepEqual((config as Job).global, JSON.parse(JSON.stringify(local.global)));
    // Each rule that names a job names one scraped here (`job=~"a|b"`: at least one of them).
    for (const r of rules.groups[0]!.rules)
      for (const [, names] of r.expr.matchAll(/job=~?"([^"]+)"/g))
        assert.ok(
          names!.split('|').some((n) => jobs.has(n)),
          `${r.alert ?? r.record} reads a scraped job`,
        );
    // No annotated pod but Patroni's (no Supabase): no kubernetes-pods job.
    assert.deepEqual([...monitoringOf(MINIMAL_YAML).jobs.keys()], ['patroni', 'etcd', 'router']);
  });

  test('Patroni and the router: their pods by the labels the renderer puts on them, their metrics port, member names', () => {
    const { objs, jobs } = monitoringOf(FULL_YAML);
    for (const [job, kind, name] of [
      ['patroni', 'StatefulSet', 'garden-postgres'],
      ['router', 'Deployment', 'garden-router'],
    ] as const) {
      const pod = podOf(objs, kind, name);
      const sd = jobs.get(job)!.kubernetes_sd_configs;
      assertPodDiscovery(sd);
      for (const term of sd[0].selectors[0].label.split(',')) {
        const [k, v] = term.split('=');
        assert.equal(pod.labels[k], v, `${job} selects ${kind}/${name} by ${term}`);
      }
      const keep = jobs.get(job)!.relabel_configs[0];
      assert.deepEqual(keep.source_labels, ['__meta_kubernetes_pod_container_port_number']);
      assert.equal(keep.action, 'keep');
      assert.ok(pod.ports.includes(Number(keep.regex)), `${job} keeps a port the pod declares`);
    }
    assert.equal(podOf(objs, 'StatefulSet', 'garden-postgres').annotations['prometheus.io/port'], '8008');
    // Patroni's member name is the pod's name (PATRONI_NAME), as the local member label is Patroni's.
    assert.deepEqual(jobs.get('patroni')!.relabel_configs[1], {
      source_labels: ['__meta_kubernetes_pod_name'],
      target_label: 'member',
    });
    assert.deepEqual(jobs.get('router')!.relabel_configs[1], { target_label: 'member', replacement: 'router' });
    // PostgREST's annotations send the kubernetes-pods job to its admin port; Patroni is not scraped twice.
    const rest = podOf(objs, 'Deployment', 'garden-rest');
    assert.equal(rest.annotations['prometheus.io/scrape'], 'true');
    const pods = jobs.get('kubernetes-pods')!;
    assert.match(pods.kubernetes_sd_configs[0].selectors[0].label, /app\.kubernetes\.io\/component!=postgres/);
  });

  test('etcd: the endpoints k8s.etcdEndpoints lists, over https with the etcd client Secret as Patroni mounts it', () => {
    const etcd = monitoringOf(FULL_YAML).jobs.get('etcd')!;
    assert.equal(etcd.scheme, 'https');
    assert.deepEqual(etcd.tls_config, {
      ca_file: `${ETCD_TLS_DIR}/ca.crt`,
      cert_file: `${ETCD_TLS_DIR}/tls.crt`,
      key_file: `${ETCD_TLS_DIR}/tls.key`,
    });
    assert.deepEqual(
      etcd.static_configs.map((s: Job) => [s.targets[0], s.labels.member]),
      [1, 2, 3].map((i) => [`etcd${i}.internal:2379`, `etcd${i}.internal`]),
    );
    const http = monitoringOf('etcd: { scheme: http }\n' + MINIMAL_YAML).jobs.get('etcd')!;
    assert.equal(http.scheme, 'http');
    assert.equal(http.tls_config, undefined);
  });

  test('the alert rules are the local builder output, less the rules of components K8s does not run', () => {
    const spec = specFrom(FULL_YAML);
    const { rules } = monitoringOf(FULL_YAML);
    const local = parse(renderAlertRules(spec)) as { groups: { name: string; interval: string; rules: Rule[] }[] };
    const nameOf = (r: Rule) => r.alert ?? r.record ?? '';
    assert.deepEqual(rules.groups.length, 1);
    assert.deepEqual({ ...rules.groups[0], rules: [] }, { ...local.groups[0], rules: [] });
    // FULL_YAML has 3 etcd endpoints and 3 (local) etcd members: the same input, the same rules.
    assert.deepEqual(
      rules.groups[0]!.rules,
      JSON.parse(JSON.stringify(buildAlertRules(spec).filter((r) => !(nameOf(r) in LOCAL_ONLY_RULES)))),
    );
    assert.deepEqual(rules.groups[0]!.rules.map(nameOf), [
      'PatroniNoLeader',
      'MultiplePrimaries',
      'EtcdMemberDown',
      'EtcdNoQuorum',
      'PostgresExporterDown',
      'RouterDown',
      'RouterWatchErrors',
    ]);
    // Every rule left out is one the builder makes: a renamed rule fails here, not silently on K8s.
    const all = buildAlertRules(specFrom('backup: { enabled: true }\n' + FULL_YAML)).map(nameOf);
    for (const name of Object.keys(LOCAL_ONLY_RULES)) assert.ok(all.includes(name), name);
    // One etcd endpoint is a quorum of one, as for a local etcd of one member (not spec.etcd.members' 3).
    const quorum = (rs: Rule[]) => rs.find((r) => r.alert === 'EtcdNoQuorum')!.expr;
    assert.equal(
      quorum(monitoringOf(MINIMAL_YAML).rules.groups[0]!.rules),
      quorum(buildAlertRules(specFrom('etcd: { members: 1 }\n' + MINIMAL_YAML))),
    );
  });

  for (const [name, yaml] of [
    ...FIXTURES.filter(([f]) => f !== 'hosts'),
    ['etcd-http', 'etcd: { scheme: http }\n' + MINIMAL_YAML],
  ]) {
    test(`${name}: promtool accepts the config and its rules; every object matches the Kubernetes schemas`, (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'gardenos-k8s-prom-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const { objs, configMap } = monitoringOf(yaml);
      const how = checkConfig(dir, configMap);
      t.diagnostic(`promtool checked the config ${how}`);
      assert.match(promtool(['check', 'rules', join(dir, PROMETHEUS_FILES.rules)]), /SUCCESS/);
      for (const o of objs.filter((x) => x.metadata.name.startsWith('garden-prometheus'))) validateObject(o);
    });
  }

  test("RBAC: Prometheus's ServiceAccount may get, list and watch pods in the namespace, nothing else", () => {
    const { objs } = monitoringOf(FULL_YAML);
    findObject(objs, 'ServiceAccount', 'garden-prometheus');
    assert.deepEqual(findObject(objs, 'Role', 'garden-prometheus').rules, [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding = findObject(objs, 'RoleBinding', 'garden-prometheus') as unknown as Job;
    assert.deepEqual(binding.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'garden-prometheus',
    });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'garden-prometheus', namespace: 'gardenos' }]);
  });

  test('NetworkPolicies: a Prometheus pod in the namespace reaches each metrics port, and nothing more', () => {
    const spec = specFrom(FULL_YAML);
    const objs = allObjects(renderFixture(FULL_YAML));
    const pod = (component: string) => ({ namespace: 'gardenos', labels: selectorOf(spec, component) });
    const prometheus = pod('prometheus');
    for (const [component, port] of [
      ['postgres', 8008],
      ['router', 8080],
      ['supabase-rest', 3001],
    ] as const) {
      assert.ok(ingressAllowed(objs, prometheus, pod(component), port), `prometheus -> ${component}:${port}`);
      assert.ok(!ingressAllowed(objs, { ...prometheus, namespace: 'monitoring' }, pod(component), port));
      assert.ok(!ingressAllowed(objs, pod('service-main-api'), pod(component), port), `main-api -/-> ${component}`);
    }
    assert.ok(!ingressAllowed(objs, prometheus, pod('postgres'), 5432), 'no SQL');
    assert.ok(!ingressAllowed(objs, prometheus, pod('router'), 8008), "only each pod's own metrics port");
    assert.ok(!ingressAllowed(objs, prometheus, pod('supabase-rest'), 8008), "only each pod's own metrics port");
    const policies = objs.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name.startsWith('garden-prometheus'));
    assert.equal(policies.length, 3);
    for (const p of policies)
      assert.ok(!selects((p as Job).spec.podSelector, prometheus.labels), 'Prometheus itself is not opened');
  });
});
