// Packages per role, and the install script's parts that keep Debian from taking our ports.
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSpec } from '../../spec/index.js';
import { installScript, packagesFor, parsePackageOutput } from './packages.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHeh3iKpXsH+y6tMdkLyCYE+E0wv/Z4uz48LQhVRzzgE';
const SPEC_YAML = `hosts:\n${[1, 2, 3].map((i) => `  - name: s${i}\n    address: 10.20.0.${10 + i}\n    hostKey: ${KEY}\n${i === 3 ? '    roles: [etcd, haproxy]\n' : ''}`).join('')}`;
const spec = loadSpec(SPEC_YAML, { source: 't', defaultStateDir: () => '/x', fromFile: true });

describe('packages', () => {
  test('roles decide the packages', () => {
    assert.deepEqual(packagesFor(spec, spec.hosts![0]!), [
      'ca-certificates',
      'iproute2',
      'nodejs',
      'etcd-server',
      'etcd-client',
      'postgresql-15',
      'postgresql-client-15',
      'patroni',
      'haproxy',
      'pgbouncer',
      'curl',
      // s1 is the first haproxy host, so Prometheus runs there; the exporter beside its PostgreSQL.
      'prometheus',
      'prometheus-postgres-exporter',
    ]);
    assert.deepEqual(packagesFor(spec, spec.hosts![1]!).slice(-2), ['curl', 'prometheus-postgres-exporter']);
    assert.deepEqual(packagesFor(spec, spec.hosts![2]!), [
      'ca-certificates',
      'iproute2',
      'nodejs',
      'etcd-server',
      'etcd-client',
      'haproxy',
      'pgbouncer',
    ]);
    const off = loadSpec(`monitoring: { enabled: false }\n${SPEC_YAML}`, { source: 't', defaultStateDir: () => '/x' });
    assert.ok(!packagesFor(off, off.hosts![0]!).some((p) => p.startsWith('prometheus')));
  });

  test('the install script blocks service starts and the main cluster, and disables Debian units only under systemd', () => {
    const s = installScript(['etcd-server', 'haproxy'], 'systemd');
    assert.match(s, /create_main_cluster = false/);
    assert.match(s, /policy-rc\.d/);
    assert.match(s, /--force-confold/);
    assert.match(s, /systemctl disable --now etcd\.service haproxy\.service patroni\.service/);
    assert.doesNotMatch(installScript(['haproxy'], 'supervisor'), /systemctl/);
    assert.deepEqual(parsePackageOutput('missing= haproxy curl\ninstalled= haproxy curl\n'), {
      missing: ['haproxy', 'curl'],
      installed: ['haproxy', 'curl'],
    });
    assert.deepEqual(parsePackageOutput('missing=\n'), { missing: [], installed: [] });
    // Run for real: everything asked for is installed here, so it stops before apt-get.
    const out = execFileSync('sh', ['-c', installScript(['coreutils', 'dpkg'], 'supervisor')], { encoding: 'utf8' });
    assert.deepEqual(parsePackageOutput(out), { missing: [], installed: [] });
  });
});
