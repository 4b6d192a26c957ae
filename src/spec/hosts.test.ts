// The hosts section: what a three-server spec resolves to, and the mistakes it refuses.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostKeyProblem } from './hosts-schema.js';
import { hostsWarnings } from './hosts-rules.js';
import { loadSpec, SpecError, type LoadOptions } from './load.js';
import { specTarget } from './resolve.js';
import type { SpecPath } from './rules.js';

// Throwaway keys made with ssh-keygen for these tests; they unlock nothing.
const KEY1 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHeh3iKpXsH+y6tMdkLyCYE+E0wv/Z4uz48LQhVRzzgE';
const KEY_RSA_LABELLED_ED = 'ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQC7';

const options: LoadOptions = {
  source: 'gardenos.yaml',
  defaultStateDir: (n) => `/var/lib/gardenos/${n}`,
  fromFile: true,
};

function threeHosts(extra = '', host3 = ''): string {
  return (
    [
      'hosts:',
      ...[1, 2, 3].map(
        (i) => `  - name: s${i}\n    address: 10.20.0.${10 + i}\n    hostKey: ${KEY1}${i === 3 ? host3 : ''}`,
      ),
      extra,
    ].join('\n') + '\n'
  );
}

function refused(yaml: string, path: SpecPath, words: RegExp): void {
  let caught: unknown;
  try {
    loadSpec(yaml, options);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SpecError, `expected a SpecError for:\n${yaml}`);
  assert.equal(caught.exitCode, 2);
  const hit = caught.problems.find((p) => JSON.stringify(p.path) === JSON.stringify(path));
  assert.ok(hit, `no problem at ${JSON.stringify(path)}; got ${JSON.stringify(caught.problems, null, 1)}`);
  assert.match(`${hit.message} ${hit.hint}`, words);
  const lines = yaml.trimEnd().split('\n').length;
  assert.ok(hit.line === undefined || hit.line <= lines, `line ${hit.line} is past the end`);
}

describe('hosts spec', () => {
  test('three hybrid hosts: nodes and etcd members are the hosts, etcd over https at the well-known ports', () => {
    const spec = loadSpec(threeHosts(), options);
    assert.equal(specTarget(spec), 'hosts');
    assert.deepEqual(
      spec.nodes.map((n) => [n.name, n.pgPort, n.apiPort]),
      [
        ['s1', 5432, 8008],
        ['s2', 5432, 8008],
        ['s3', 5432, 8008],
      ],
    );
    assert.deepEqual(
      spec.etcd.members.map((m) => [m.name, m.clientPort, m.peerPort]),
      [
        ['s1', 2379, 2380],
        ['s2', 2379, 2380],
        ['s3', 2379, 2380],
      ],
    );
    assert.equal(spec.etcd.scheme, 'https');
    assert.equal(spec.postgres.synchronousMode, true);
    assert.deepEqual(spec.hosts?.[0]?.roles, ['etcd', 'postgres', 'haproxy', 'k3s-server']);
    assert.deepEqual(spec.hosts?.[0]?.ssh, { user: 'root', port: 22 });
    assert.equal(spec.haproxy.primaryPort, 5000);
    assert.equal(spec.k3s?.apiPort, 6443);
    assert.deepEqual(hostsWarnings(spec), []);
  });

  test('without hosts the spec is the local one and carries no hosts or k3s fields', () => {
    const spec = loadSpec('', { ...options, fromFile: false });
    assert.equal(specTarget(spec), 'local');
    assert.equal('hosts' in spec, false);
    assert.equal('k3s' in spec, false);
  });

  test('roles decide the members; one postgres host is legal but warned about', () => {
    const yaml = threeHosts('', '\n    roles: [etcd, haproxy]').replace(
      'address: 10.20.0.12',
      'address: 10.20.0.12\n    roles: [etcd]',
    );
    const spec = loadSpec(yaml, options);
    assert.deepEqual(
      spec.nodes.map((n) => n.name),
      ['s1'],
    );
    assert.deepEqual(
      spec.etcd.members.map((m) => m.name),
      ['s1', 's2', 's3'],
    );
    assert.equal(spec.postgres.synchronousMode, false);
    assert.match(hostsWarnings(spec).join('\n'), /only one host has the postgres role/);
  });

  test('refusals name the host field and say how to fix it', () => {
    refused(threeHosts().replace('name: s2', 'name: s1'), ['hosts', 1, 'name'], /used by both host "s1"/);
    refused(threeHosts().replace('10.20.0.12', '10.20.0.11'), ['hosts', 1, 'address'], /10\.20\.0\.11 is used by both/);
    refused(threeHosts().replace('10.20.0.12', '127.0.0.1'), ['hosts', 1, 'address'], /loopback/);
    refused(threeHosts().replace('10.20.0.12', '10.20.0.300'), ['hosts', 1, 'address'], /IPv4/);
    refused(
      threeHosts('', '\n    roles: [postgres]'),
      ['hosts'],
      /2 hosts have the etcd role.*give the etcd role to 1 or 3/s,
    );
    refused(threeHosts('', '\n    roles: [k3s]'), ['hosts', 2, 'roles', 0], /etcd|postgres|haproxy|k3s-server/);
    refused(threeHosts('nodes: 3'), ['nodes'], /postgres role/);
    refused(threeHosts('etcd:\n  members: 3'), ['etcd', 'members'], /etcd role/);
    refused(threeHosts('etcd:\n  scheme: http'), ['etcd', 'scheme'], /TLS/);
    refused(threeHosts('postgres:\n  tls: preferred'), ['postgres', 'tls'], /only over TLS/);
    refused(threeHosts('local:\n  bindAddress: 10.0.0.1'), ['local', 'bindAddress'], /hosts target/);
    refused(
      threeHosts('haproxy:\n  primaryPort: 5432'),
      ['haproxy', 'primaryPort'],
      /port 5432 is used by both PostgreSQL and HAProxy primary/,
    );
  });

  test('monitoring on the hosts target: Prometheus on the first haproxy host, well-known ports; monitoring.host must name a host', () => {
    const spec = loadSpec(threeHosts(), options);
    assert.equal(spec.monitoring.enabled, true);
    assert.equal(spec.monitoring.host, 's1');
    assert.deepEqual(
      [spec.monitoring.prometheusPort, spec.monitoring.postgresExporterPort, spec.monitoring.exporterPort],
      [9090, 9187, 9188],
    );
    assert.equal(loadSpec(threeHosts('monitoring:\n  host: s3'), options).monitoring.host, 's3');
    refused(threeHosts('monitoring:\n  host: s9'), ['monitoring', 'host'], /"s9", which is not a host.*s1, s2, s3/s);
    let caught: unknown;
    try {
      loadSpec('monitoring:\n  host: s1\n', options);
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof SpecError && caught.exitCode === 2);
    assert.match(
      caught.problems.map((p) => `${p.message} ${p.hint}`).join('\n'),
      /this spec has no hosts.*add a hosts section/s,
    );
  });

  test('a host without a pinned key is warned about with the ways to pin one (provision refuses it)', () => {
    const yaml = threeHosts().replace(`    hostKey: ${KEY1}\n  - name: s3`, '  - name: s3');
    assert.match(
      hostsWarnings(loadSpec(yaml, options)).join('\n'),
      /host "s2" has no pinned SSH host key.*ssh-keyscan -t ed25519 -p 22 10\.20\.0\.12.*--accept-new-host-key s2/s,
    );
    refused(threeHosts('', '\n    knownHostsFile: ./kh'), ['hosts', 2, 'knownHostsFile'], /twice/);
  });

  test('host key lines: the base64 must be a key of the named type', () => {
    assert.equal(hostKeyProblem(KEY1), undefined);
    assert.equal(hostKeyProblem(`${KEY1} root@s1`), undefined);
    assert.match(hostKeyProblem(KEY_RSA_LABELLED_ED) ?? '', /not an ssh-ed25519 key/);
    assert.match(hostKeyProblem(KEY1.slice(0, 40)) ?? '', /not an ssh-ed25519 key/);
    assert.match(hostKeyProblem(`10.20.0.11 ${KEY1}`) ?? '', /known_hosts line/);
    assert.match(hostKeyProblem('AAAAC3NzaC1lZDI1NTE5') ?? '', /public host key line/);
    refused(threeHosts().replace(KEY1, 'ssh-ed25519 AAAA'), ['hosts', 0, 'hostKey'], /not an ssh-ed25519 key/);
  });
});
