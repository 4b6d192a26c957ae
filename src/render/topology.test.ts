// Every member URL comes from the topology: the local target on the bind address, the hosts target on each host's address.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GardenError } from '../errors.js';
import { loadSpec } from '../spec/index.js';
import {
  dashboardUrl,
  etcdClientEndpoints,
  etcdClientUrls,
  nodeAt,
  patroniApis,
  patroniApiUrl,
  pgAddress,
  prometheusUrl,
  topologyOf,
} from './topology.js';

// A throwaway key made with ssh-keygen for tests; it unlocks nothing.
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHeh3iKpXsH+y6tMdkLyCYE+E0wv/Z4uz48LQhVRzzgE';
const local = loadSpec('nodes: 2\netcd: { members: 1 }\n', { source: 'test', defaultStateDir: () => '/state/garden' });
const hosts = loadSpec(
  ['hosts:', ...[1, 2, 3].map((i) => `  - name: s${i}\n    address: 10.20.0.${10 + i}\n    hostKey: ${KEY}`)].join(
    '\n',
  ) + '\n',
  { source: 'gardenos.yaml', defaultStateDir: (n) => `/var/lib/gardenos/${n}`, fromFile: true },
);

describe('topology', () => {
  test('Prometheus and the dashboard: reached on the bind address, or on loopback when it binds every address', () => {
    const base = local.local.basePort;
    assert.equal(prometheusUrl(local), `http://127.0.0.1:${local.monitoring.prometheusPort}`);
    assert.equal(dashboardUrl(local), `http://127.0.0.1:${local.monitoring.dashboardPort}/`);
    assert.equal(dashboardUrl(local, base + 99, 'a b&c'), `http://127.0.0.1:${base + 99}/?token=a%20b%26c`);
    const every = loadSpec('local: { bindAddress: 0.0.0.0 }\n', { source: 'test', defaultStateDir: () => '/s' });
    assert.equal(prometheusUrl(every), `http://127.0.0.1:${every.monitoring.prometheusPort}`);
    const lan = loadSpec('local: { bindAddress: 10.1.2.3 }\n', { source: 'test', defaultStateDir: () => '/s' });
    assert.equal(dashboardUrl(lan), `http://10.1.2.3:${lan.monitoring.dashboardPort}/`);
  });

  test('local: every member on the bind address, Patroni and etcd over https (the defaults), each on its own ports', () => {
    const [pg1, pg2] = local.nodes;
    assert.deepEqual(patroniApis(local), [
      { name: 'pg1', apiUrl: `https://${local.local.bindAddress}:${pg1!.apiPort}` },
      { name: 'pg2', apiUrl: `https://${local.local.bindAddress}:${pg2!.apiPort}` },
    ]);
    const plain = loadSpec('nodes: 1\npostgres: { tls: off }\n', { source: 'test', defaultStateDir: () => '/s' });
    assert.equal(patroniApiUrl(plain, 'pg1'), `http://${plain.local.bindAddress}:${plain.nodes[0]!.apiPort}`);
    // A spec stored by a gardenos from before postgres.tls: that platform serves plain http.
    const stored = { ...plain, postgres: { ...plain.postgres, tls: undefined } } as unknown as typeof plain;
    assert.equal(patroniApiUrl(stored, 'pg1'), patroniApiUrl(plain, 'pg1'));
    assert.equal(patroniApiUrl(local, 'pg2'), patroniApiUrl(local, nodeAt(local, 'pg2')));
    assert.deepEqual(pgAddress(local, 'pg1'), { host: local.local.bindAddress, port: pg1!.pgPort });
    assert.deepEqual(etcdClientUrls(local), [
      `https://${local.local.bindAddress}:${local.etcd.members[0]!.clientPort}`,
    ]);
    assert.deepEqual(etcdClientEndpoints(local), [{ name: 'etcd1', clientURL: etcdClientUrls(local)[0] }]);
  });

  test("hosts: every member on its host's address, Patroni and etcd over https", () => {
    assert.equal(topologyOf(hosts).patroniScheme, 'https');
    const apis = patroniApis(hosts);
    assert.equal(apis.length, hosts.nodes.length);
    for (const a of apis) assert.match(a.apiUrl, /^https:\/\/10\.20\.0\.1[1-3]:\d+$/);
    const first = hosts.nodes[0]!;
    assert.equal(pgAddress(hosts, first.name).host, hosts.hosts!.find((h) => h.name === first.name)!.address);
    for (const u of etcdClientUrls(hosts)) assert.match(u, /^https:\/\/10\.20\.0\.1[1-3]:\d+$/);
  });

  test('an unknown node name is a usage error naming the nodes there are', () => {
    assert.throws(
      () => nodeAt(local, 'pg9'),
      (err: unknown) => err instanceof GardenError && err.code === 'USAGE' && /pg1, pg2/.test(err.hint),
    );
  });
});
