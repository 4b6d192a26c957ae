// K3s on a host: config.yaml parsed back, and the token and datastore TLS files only in the secret env file.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { FAKE_SECRETS, fixtureInput, hostOf, hostsSpec, SPLIT_ROLES_YAML, THREE_HOSTS_YAML } from './fixtures.js';
import { renderHost } from './bundle.js';
import { parseEnvFile } from './env-file.js';
import { buildK3sConfig, renderK3sFiles } from './k3s.js';
import { HOST_PATHS } from './paths.js';

describe('K3s server config', () => {
  const spec = hostsSpec(THREE_HOSTS_YAML);
  const files = renderK3sFiles(spec, hostOf(spec, 's3'), FAKE_SECRETS);
  const config = parse(files.find((f) => f.path === HOST_PATHS.k3s.config)!.content) as Record<string, unknown>;

  test("at K3s's own path: serverPort, every host address and public address in tls-san, the etcd https URLs, no taint", () => {
    assert.equal(config['https-listen-port'], 6444);
    assert.deepEqual(config['tls-san'], [
      '10.20.0.11',
      '203.0.113.11',
      '10.20.0.12',
      '203.0.113.12',
      '10.20.0.13',
      '203.0.113.13',
    ]);
    assert.equal(
      config['datastore-endpoint'],
      'https://10.20.0.11:2379,https://10.20.0.12:2379,https://10.20.0.13:2379',
    );
    assert.equal(config['node-taint'], undefined, 'hybrid nodes stay schedulable');
    assert.equal(config['node-ip'], '10.20.0.13');
    assert.equal(config['node-external-ip'], '203.0.113.13');
    for (const key of Object.keys(config))
      assert.doesNotMatch(
        key,
        /token|datastore-(cafile|certfile|keyfile)/,
        'secrets and TLS files go through the env file',
      );
  });

  test('the token and datastore TLS files are in a secret env file the drop-in points to', () => {
    const env = files.find((f) => f.path === HOST_PATHS.secrets.k3s);
    assert.ok(env?.secret && env.mode === 0o600);
    assert.deepEqual(parseEnvFile(env.content), {
      K3S_DATASTORE_CAFILE: HOST_PATHS.tls.ca,
      K3S_DATASTORE_CERTFILE: HOST_PATHS.tls.cert,
      K3S_DATASTORE_KEYFILE: HOST_PATHS.tls.key('k3s'),
      K3S_TOKEN: FAKE_SECRETS.k3sToken,
    });
    const dropIn = renderHost(spec, hostOf(spec, 's3'), fixtureInput('s3')).files.find(
      (f) => f.path === HOST_PATHS.dropIn('k3s'),
    );
    assert.ok(dropIn);
    assert.ok(dropIn.content.split('\n').includes(`EnvironmentFile=${HOST_PATHS.secrets.k3s}`));
    assert.equal(dropIn.path, '/etc/systemd/system/k3s.service.d/gardenos.conf');
  });

  test('only on k3s-server hosts, and not at all with k3s disabled', () => {
    const split = hostsSpec(SPLIT_ROLES_YAML);
    const has = (name: string) =>
      renderHost(split, hostOf(split, name), fixtureInput(name)).files.some((f) => f.path === HOST_PATHS.k3s.config);
    assert.deepEqual(['e1', 'e2', 'e3', 'p1', 'p2'].filter(has), ['e1', 'e2']);
    const off = hostsSpec(THREE_HOSTS_YAML + 'k3s: { enabled: false }\n');
    const bundle = renderHost(off, hostOf(off, 's1'), fixtureInput('s1'));
    assert.ok(!bundle.files.some((f) => f.path.startsWith('/etc/rancher/') || f.path.includes('k3s')));
    assert.ok(!bundle.services.some((s) => s.name === 'k3s'));
    assert.throws(() => buildK3sConfig(off, hostOf(off, 's1')), /k3s.enabled/);
  });
});
