// Unit tests of the etcd flag renderer; patroni.test.ts also boots a real etcd from these flags.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSpec, type Spec } from '../spec/index.js';
import { localTopology, renderEtcdArgs, type EtcdTlsFiles } from './index.js';

function specFrom(text: string): Spec {
  return loadSpec(text, { source: 'test', defaultStateDir: (name) => `/srv/${name}` });
}

const tls: EtcdTlsFiles = {
  caFile: '/srv/tls/ca.pem',
  certFile: '/srv/tls/etcd.pem',
  keyFile: '/srv/tls/etcd-key.pem',
};

/** The flags of member `index` as a name -> value map; bare flags map to true. */
function flagsOf(spec: Spec, index: number, withTls?: EtcdTlsFiles): Map<string, string | true> {
  const topology = localTopology(spec);
  const member = topology.etcd[index];
  assert.ok(member, `member ${index} exists`);
  const args = renderEtcdArgs({
    spec,
    topology,
    member,
    dataDir: `/srv/etcd/${member.name}`,
    tls: withTls ?? (spec.etcd.scheme === 'https' ? tls : undefined),
  });
  const flags = new Map<string, string | true>();
  for (const arg of args) {
    assert.match(arg, /^--[a-z-]+(=\S+)?$/, 'one flag per argument, no shell quoting needed');
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    assert.ok(!flags.has(name), `${name} appears once`);
    flags.set(name, eq < 0 ? true : arg.slice(eq + 1));
  }
  return flags;
}

describe('renderEtcdArgs', () => {
  test('is deterministic', () => {
    const spec = specFrom('');
    const topology = localTopology(spec);
    const input = { spec, topology, member: topology.etcd[1]!, dataDir: '/srv/etcd/etcd2', tls };
    assert.deepEqual(renderEtcdArgs(input), renderEtcdArgs(input));
  });

  test('initial-cluster lists every member with its peer URL, the same on every member', () => {
    const spec = specFrom('');
    const expected = 'etcd1=https://127.0.0.1:15411,etcd2=https://127.0.0.1:15413,etcd3=https://127.0.0.1:15415';
    for (const i of [0, 1, 2]) assert.equal(flagsOf(spec, i).get('--initial-cluster'), expected);
  });

  test('each member gets its own name, data dir and URLs', () => {
    const flags = flagsOf(specFrom(''), 1);
    assert.equal(flags.get('--name'), 'etcd2');
    assert.equal(flags.get('--data-dir'), '/srv/etcd/etcd2');
    assert.equal(flags.get('--listen-client-urls'), 'https://127.0.0.1:15412');
    assert.equal(flags.get('--advertise-client-urls'), 'https://127.0.0.1:15412');
    assert.equal(flags.get('--listen-peer-urls'), 'https://127.0.0.1:15413');
    assert.equal(flags.get('--initial-advertise-peer-urls'), 'https://127.0.0.1:15413');
    assert.equal(flags.get('--initial-cluster-state'), 'new');
  });

  test('the cluster token is tied to the cluster name, so two gardens never join each other', () => {
    assert.equal(flagsOf(specFrom('name: orchard\n'), 0).get('--initial-cluster-token'), 'gardenos-orchard');
  });

  test('explicit member names, ports and bind address are used', () => {
    const spec = specFrom(
      [
        'etcd:',
        '  members:',
        '    - { name: a, clientPort: 30000, peerPort: 30001 }',
        'local: { bindAddress: 127.0.0.9 }',
        '',
      ].join('\n'),
    );
    const flags = flagsOf(spec, 0);
    assert.equal(flags.get('--initial-cluster'), 'a=https://127.0.0.9:30001');
    assert.equal(flags.get('--listen-client-urls'), 'https://127.0.0.9:30000');
  });

  test('http (asked for explicitly) has no TLS flags', () => {
    const flags = flagsOf(specFrom('etcd: { scheme: http }\n'), 0);
    for (const name of flags.keys()) assert.doesNotMatch(name, /cert|key|trusted-ca/);
  });

  test('https (the default) uses https URLs and client and peer certificate authentication', () => {
    const spec = specFrom('');
    const flags = flagsOf(spec, 0, tls);
    assert.equal(flags.get('--listen-client-urls'), 'https://127.0.0.1:15410');
    assert.equal(flags.get('--listen-peer-urls'), 'https://127.0.0.1:15411');
    assert.match(
      String(flags.get('--initial-cluster')),
      /^etcd1=https:\/\/[^,]+,etcd2=https:\/\/[^,]+,etcd3=https:\/\//,
    );
    assert.equal(flags.get('--cert-file'), tls.certFile);
    assert.equal(flags.get('--key-file'), tls.keyFile);
    assert.equal(flags.get('--trusted-ca-file'), tls.caFile);
    assert.equal(flags.get('--client-cert-auth'), true);
    assert.equal(flags.get('--peer-cert-file'), tls.certFile);
    assert.equal(flags.get('--peer-key-file'), tls.keyFile);
    assert.equal(flags.get('--peer-trusted-ca-file'), tls.caFile);
    assert.equal(flags.get('--peer-client-cert-auth'), true);
  });

  test('https without TLS files throws instead of starting an unauthenticated member', () => {
    const spec = specFrom('etcd: { scheme: https }\n');
    const topology = localTopology(spec);
    assert.throws(
      () => renderEtcdArgs({ spec, topology, member: topology.etcd[0]!, dataDir: '/srv/etcd/etcd1' }),
      /https needs TLS files/,
    );
  });
});
