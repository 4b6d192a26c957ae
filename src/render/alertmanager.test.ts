import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { findOnPath } from '../runtime/index.js';
import { loadSpec } from '../spec/index.js';
import { buildAlertmanagerConfig, renderAlertmanagerConfig } from './alertmanager.js';
import { renderPrometheusConfig } from './prometheus.js';
import { localTopology } from './topology.js';

const INSTALL = 'apt-get install -y prometheus-alertmanager prometheus (or `npx gardenos setup`)';
const spec = (alertmanager: string) =>
  loadSpec(`monitoring:\n  alertmanager: ${alertmanager}\n`, { source: 't', defaultStateDir: (n) => `/srv/${n}` });

/** Runs a checker on a rendered file; its whole output on failure. */
function check(tool: string, args: (file: string) => string[], name: string, content: string): void {
  assert.ok(findOnPath(tool), `${tool} is missing: ${INSTALL}`);
  const dir = mkdtempSync(join(tmpdir(), 'gardenos-am-'));
  try {
    const file = join(dir, name);
    writeFileSync(file, content);
    const r = spawnSync(tool, args(file), { encoding: 'utf8' });
    assert.equal(r.status, 0, `${tool}: ${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Alertmanager', () => {
  test('one route grouped by alert and member, to every webhook, resolved alerts too', () => {
    const s = spec(
      '{ enabled: true, webhooks: ["https://hooks.example/a?token=x", "http://10.0.0.5:9000/b"], groupWaitS: 3 }',
    );
    const c = buildAlertmanagerConfig(s) as {
      route: { receiver: string; group_by: string[]; group_wait: string; group_interval: string };
      receivers: { name: string; webhook_configs?: { url: string; send_resolved: boolean }[] }[];
    };
    assert.deepEqual(c.route.group_by, ['alertname', 'member']);
    assert.equal(c.route.group_wait, '3s');
    assert.equal(c.route.group_interval, '60s');
    assert.deepEqual(
      c.receivers[0]!.webhook_configs!.map((w) => [w.url, w.send_resolved]),
      [
        ['https://hooks.example/a?token=x', true],
        ['http://10.0.0.5:9000/b', true],
      ],
    );
    assert.equal(s.monitoring.alertmanager.port, s.local.basePort + 9);
  });

  test('amtool check-config accepts what is rendered, with webhooks and without', () => {
    for (const a of ['{ enabled: true, webhooks: ["http://127.0.0.1:9000/hook"] }', '{ enabled: true }']) {
      check('amtool', (f) => ['check-config', f], 'alertmanager.yml', renderAlertmanagerConfig(spec(a)));
    }
  });

  test('Prometheus sends to it: an alerting section that promtool check config accepts', () => {
    const s = spec('{ enabled: true }');
    const config = renderPrometheusConfig({
      spec: s,
      topology: localTopology(s),
      host: '127.0.0.1',
      rulesFile: '/dev/null',
      alertmanagers: [`127.0.0.1:${s.monitoring.alertmanager.port}`],
    });
    const parsed = parse(config) as { alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] } };
    assert.deepEqual(parsed.alerting.alertmanagers[0]!.static_configs[0]!.targets, ['127.0.0.1:15409']);
    check('promtool', (f) => ['check', 'config', '--syntax-only', f], 'prometheus.yml', config);
  });

  test('refused: on the hosts target, without monitoring, a URL that is not http(s)', () => {
    const refused = (yaml: string) =>
      assert.throws(() => loadSpec(yaml, { source: 't', defaultStateDir: (n) => `/srv/${n}` }), /alertmanager/);
    refused('monitoring: { enabled: false, alertmanager: { enabled: true } }\n');
    refused('monitoring: { alertmanager: { enabled: true, webhooks: ["ftp://x/y"] } }\n');
    refused(
      ['hosts:', '  - { name: a, address: 10.1.0.1 }', 'monitoring: { alertmanager: { enabled: true } }', ''].join(
        '\n',
      ),
    );
  });
});
