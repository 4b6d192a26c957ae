// The router on a host: its flags are the router's own contract (parsed here by the router's parser).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { AGENT_PROGRAM } from '../../hosts/agent/build.js';
import { routerSettingsFromFlags } from '../../router/index.js';
import { FAKE_SECRETS, hostOf, hostsSpec, THREE_HOSTS_YAML } from './fixtures.js';
import { DEFAULT_HOST_PROGRAMS } from './model.js';
import { HOST_PATHS } from './paths.js';
import { hostRouterFlags, renderRouterService } from './router.js';

const ROUTER_OPTIONS = Object.fromEntries(
  [
    'target',
    'etcd',
    'dcs-namespace',
    'scope',
    'haproxy-socket',
    'listen',
    'reconcile-ms',
    'etcd-ca',
    'etcd-cert',
    'etcd-key',
    'patroni-ca',
  ].map((n) => [n, { type: 'string' as const }]),
);

describe('router on a host', () => {
  const spec = hostsSpec(THREE_HOSTS_YAML);

  test('routes its own HAProxy from the Patroni leader key, over etcd https with a client certificate', () => {
    const { values } = parseArgs({
      args: hostRouterFlags(spec, hostOf(spec, 's2')),
      options: ROUTER_OPTIONS,
      strict: true,
    });
    assert.deepEqual(routerSettingsFromFlags(values), {
      target: 'haproxy',
      etcd: ['https://10.20.0.11:2379', 'https://10.20.0.12:2379', 'https://10.20.0.13:2379'],
      prefix: '/service/journal/',
      etcdTls: { caFile: HOST_PATHS.tls.ca, certFile: HOST_PATHS.tls.cert, keyFile: HOST_PATHS.tls.key('router') },
      patroniCaFile: HOST_PATHS.tls.ca,
      listen: { host: '10.20.0.12', port: 8010 },
      reconcileIntervalMs: 5000,
      haproxySocket: HOST_PATHS.haproxy.adminSocket,
    });
  });

  test("runs as HAProxy's user (its admin socket is mode 600), after HAProxy, with no secret on its command line", () => {
    const service = renderRouterService(spec, hostOf(spec, 's1'), DEFAULT_HOST_PROGRAMS);
    assert.equal(service.user, 'haproxy');
    assert.ok(service.after.includes('gardenos-haproxy.service'));
    assert.deepEqual(service.environmentFiles, []);
    assert.deepEqual(service.exec.slice(3, 5), [DEFAULT_HOST_PROGRAMS.gardenos, 'router']);
    assert.equal(DEFAULT_HOST_PROGRAMS.gardenos, AGENT_PROGRAM, 'the program provisioning installs');
    for (const value of Object.values(FAKE_SECRETS)) assert.ok(!service.exec.join(' ').includes(value));
    assert.ok(!service.exec.some((a) => /password|token/i.test(a)));
  });
});
