// etcd on a host, and the one function that gives every etcd client its URLs and TLS files.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureInput, hostOf, hostsSpec, SPLIT_ROLES_YAML, THREE_HOSTS_YAML } from './fixtures.js';
import { renderHost } from './bundle.js';
import { etcdClientAccess, hostEtcdClient } from './etcd-client.js';
import { renderEtcdService } from './etcd.js';
import { DEFAULT_HOST_PROGRAMS } from './model.js';
import { HOST_PATHS } from './paths.js';

function flags(exec: string[]): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (const arg of exec.slice(1)) {
    const eq = arg.indexOf('=');
    out.set(eq < 0 ? arg : arg.slice(0, eq), eq < 0 ? true : arg.slice(eq + 1));
  }
  return out;
}

describe('etcd on a host', () => {
  const spec = hostsSpec(THREE_HOSTS_YAML);
  const s2 = flags(renderEtcdService(spec, hostOf(spec, 's2'), DEFAULT_HOST_PROGRAMS).exec);

  test('https client and peer URLs on the private address, clients also on loopback', () => {
    assert.equal(s2.get('--listen-client-urls'), 'https://10.20.0.12:2379,https://127.0.0.1:2379');
    assert.equal(s2.get('--advertise-client-urls'), 'https://10.20.0.12:2379');
    assert.equal(s2.get('--listen-peer-urls'), 'https://10.20.0.12:2380');
    assert.equal(s2.get('--initial-advertise-peer-urls'), 'https://10.20.0.12:2380');
  });

  test('initial-cluster from the etcd hosts, state new, a token from the spec name', () => {
    assert.equal(
      s2.get('--initial-cluster'),
      's1=https://10.20.0.11:2380,s2=https://10.20.0.12:2380,s3=https://10.20.0.13:2380',
    );
    assert.equal(s2.get('--initial-cluster-state'), 'new');
    assert.equal(s2.get('--initial-cluster-token'), 'gardenos-journal');
    const split = hostsSpec(SPLIT_ROLES_YAML);
    assert.equal(
      flags(renderEtcdService(split, hostOf(split, 'e3'), DEFAULT_HOST_PROGRAMS).exec).get('--initial-cluster'),
      'e1=https://10.30.0.1:2380,e2=https://10.30.0.2:2380,e3=https://10.30.0.3:2380',
    );
  });

  test("client and peer certificate authentication with the host certificate and etcd's key copy", () => {
    assert.equal(s2.get('--client-cert-auth'), true);
    assert.equal(s2.get('--peer-client-cert-auth'), true);
    assert.equal(s2.get('--trusted-ca-file'), HOST_PATHS.tls.ca);
    assert.equal(s2.get('--peer-trusted-ca-file'), HOST_PATHS.tls.ca);
    assert.equal(s2.get('--cert-file'), HOST_PATHS.tls.cert);
    assert.equal(s2.get('--key-file'), HOST_PATHS.tls.key('etcd'));
    assert.equal(s2.get('--data-dir'), '/var/lib/gardenos/etcd');
  });

  test('every etcd client on a host gets the same URLs and CA from one function', () => {
    const access = hostEtcdClient(spec, 'router');
    assert.deepEqual(access.urls, ['https://10.20.0.11:2379', 'https://10.20.0.12:2379', 'https://10.20.0.13:2379']);
    assert.equal(access.tls.caFile, HOST_PATHS.tls.ca);
    assert.deepEqual(
      etcdClientAccess(spec, { caFile: '/op/ca.crt', certFile: '/op/o.crt', keyFile: '/op/o.key' }).urls,
      access.urls,
      'gardenos itself too',
    );
    const files = renderHost(spec, hostOf(spec, 's1'), fixtureInput('s1')).files;
    const text = (path: string) => files.find((f) => f.path === path)?.content ?? '';
    const urls = access.urls.join(',');
    const router = files.find((f) => f.path === HOST_PATHS.unit('gardenos-router'))?.content ?? '';
    assert.ok(router.includes(`--etcd ${urls}`) && router.includes(`--etcd-ca ${HOST_PATHS.tls.ca}`));
    assert.ok(text(HOST_PATHS.k3s.config).includes(`datastore-endpoint: ${urls}`));
    assert.ok(text(HOST_PATHS.patroni.config).includes(`cacert: ${HOST_PATHS.tls.ca}`));
  });
});
