// Unit tests of the app-layer spec: defaults, and each cross-field rule with its path and line.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSpec, SpecError } from './load.js';
import type { SpecPath } from './rules.js';

const load = (text: string) => loadSpec(text, { source: 'gardenos.yaml', defaultStateDir: (n) => `/srv/${n}` });

function problemAt(text: string, path: SpecPath, line: number): void {
  try {
    load(text);
  } catch (err) {
    assert.ok(err instanceof SpecError, String(err));
    const found = err.problems.find((p) => JSON.stringify(p.path) === JSON.stringify(path));
    assert.ok(found, `no problem at ${JSON.stringify(path)}; got ${JSON.stringify(err.problems)}`);
    assert.equal(found.line, line);
    assert.ok(found.hint.length > 0);
    assert.equal(err.exitCode, 2);
    return;
  }
  assert.fail(`expected a SpecError for:\n${text}`);
}

describe('app layer spec', () => {
  test('the empty spec gets every default, and Supabase stays off', () => {
    const spec = load('');
    assert.equal(spec.k8s.namespace, 'gardenos');
    assert.equal(spec.k8s.storageClass, 'local-path');
    assert.equal(spec.k8s.volumeSize, '10Gi');
    assert.equal(spec.k8s.podCidr, '10.42.0.0/16');
    assert.deepEqual(spec.k8s.etcdEndpoints, []);
    assert.match(spec.k8s.images.patroni, /:[\w.-]+$/);
    assert.equal(spec.supabase.enabled, false);
    assert.deepEqual(spec.supabase.services, ['auth', 'rest', 'storage']);
    assert.deepEqual(spec.services, []);
    assert.equal(spec.routing.mode, 'gatewayApi');
  });

  test('a service gets its defaults and its local port joins the port check', () => {
    const spec = load('services:\n  - { name: api, command: [node, server.js], port: 18080 }\n');
    assert.deepEqual(spec.services[0], {
      name: 'api',
      command: ['node', 'server.js'],
      port: 18080,
      env: {},
      replicas: 2,
      healthPath: '/health',
      needs: ['primary'],
      routes: [],
    });
    problemAt('services:\n  - { name: api, command: [node, s.js], port: 15400 }\n', ['services', 0, 'port'], 2);
  });

  const cases: [string, string, SpecPath, number][] = [
    [
      'duplicate service names',
      'services:\n  - { name: api, image: a/b:1, port: 8080 }\n  - { name: api, image: a/b:1, port: 8081 }\n',
      ['services', 1, 'name'],
      3,
    ],
    [
      'a reserved service name',
      'services:\n  - { name: auth, image: a/b:1, port: 8080 }\n',
      ['services', 0, 'name'],
      2,
    ],
    ['neither image nor command', 'services:\n  - name: api\n    port: 8080\n', ['services', 0], 2],
    [
      'an unpinned image',
      'services:\n  - { name: api, image: "a/b:latest", port: 8080 }\n',
      ['services', 0, 'image'],
      2,
    ],
    ['an image without a tag', 'services:\n  - { name: api, image: a/b, port: 8080 }\n', ['services', 0, 'image'], 2],
    [
      'needs outside primary/replicas',
      'services:\n  - { name: api, image: a/b:1, port: 8080, needs: [leader] }\n',
      ['services', 0, 'needs', 0],
      2,
    ],
    [
      'needs listed twice',
      'services:\n  - { name: api, image: a/b:1, port: 8080, needs: [primary, primary] }\n',
      ['services', 0, 'needs'],
      2,
    ],
    [
      'env sets DATABASE_URL',
      'services:\n  - name: api\n    image: a/b:1\n    port: 8080\n    env:\n      DATABASE_URL: x\n',
      ['services', 0, 'env', 'DATABASE_URL'],
      6,
    ],
    [
      'a secret in env',
      'services:\n  - name: api\n    image: a/b:1\n    port: 8080\n    env:\n      STRIPE_SECRET: x\n',
      ['services', 0, 'env', 'STRIPE_SECRET'],
      6,
    ],
    [
      'a relative cwd',
      'services:\n  - { name: api, command: [x], cwd: app, port: 18080 }\n',
      ['services', 0, 'cwd'],
      2,
    ],
    [
      'two services on one route',
      'services:\n  - { name: a1, image: a/b:1, port: 8080, routes: [/api] }\n  - { name: a2, image: a/b:1, port: 8081, routes: [/api/] }\n',
      ['services', 1, 'routes', 0],
      3,
    ],
    [
      'a route Supabase owns',
      'supabase: { enabled: true }\nservices:\n  - { name: a1, image: a/b:1, port: 8080, routes: [/rest/v1] }\n',
      ['services', 0, 'routes', 0],
      3,
    ],
    ['a bad pod CIDR', 'k8s:\n  podCidr: 10.42.0.0/40\n', ['k8s', 'podCidr'], 2],
    ['an etcd endpoint without a port', 'k8s:\n  etcdEndpoints: [etcd1]\n', ['k8s', 'etcdEndpoints', 0], 2],
    ['a volume size that is not a quantity', 'k8s:\n  volumeSize: ten gigs\n', ['k8s', 'volumeSize'], 2],
    ['a Supabase service twice', 'supabase:\n  services: [auth, auth]\n', ['supabase', 'services'], 2],
    ['an unknown Supabase service', 'supabase:\n  services: [realtime]\n', ['supabase', 'services', 0], 2],
    ['a routing mode outside the enum', 'routing:\n  mode: nginx\n', ['routing', 'mode'], 2],
    ['a site URL that is not a URL', 'supabase:\n  siteUrl: nowhere\n', ['supabase', 'siteUrl'], 2],
  ];
  for (const [name, text, path, line] of cases) test(`rejects ${name}`, () => problemAt(text, path, line));
});
