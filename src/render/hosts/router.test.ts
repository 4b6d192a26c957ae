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
    'pgbouncer-socket-dir',
    'pgbouncer-port',
    'pgbouncer-route-file',
    'pgbouncer-members',
    'pgbouncer-pause-timeout-ms',
    'pgbouncer-mode',
    'pgbouncer-server-ca',
    'pgbouncer-server-cert',
    'pgbouncer-server-key',
  ].map((n) => [n, { type: 'string' as const }]),
);

describe('router on a host', () => {
  const spec = hostsSpec(THREE_HOSTS_YAML);

  test("routes its own HAProxy and PgBouncer from the Patroni leader key, over etcd https with a client certificate; PgBouncer's members over TLS by its own certificate", () => {
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
      pgbouncer: {
        socketDir: HOST_PATHS.pgbouncer.socketDir,
        port: 6432,
        mode: 'transaction',
        routeFile: HOST_PATHS.pgbouncer.routeFile,
        members: [
          { name: 's1', host: '10.20.0.11', port: 5432 },
          { name: 's2', host: '10.20.0.12', port: 5432 },
          { name: 's3', host: '10.20.0.13', port: 5432 },
        ],
        pauseTimeoutMs: spec.pooler.pauseTimeoutMs,
        holdLimitMs: 30_000,
        stalePauseS: 60,
        serverTls: {
          caFile: HOST_PATHS.tls.ca,
          certFile: HOST_PATHS.tls.poolerClientCert,
          keyFile: HOST_PATHS.tls.poolerClientKey,
        },
      },
    });
  });

  test('with the pooler off, no PgBouncer flags and no PgBouncer to start after', () => {
    const off = hostsSpec(`${THREE_HOSTS_YAML}\npooler:\n  enabled: false\n`);
    const flags = hostRouterFlags(off, hostOf(off, 's2'));
    assert.ok(!flags.some((f) => f.startsWith('--pgbouncer')), flags.join(' '));
    const service = renderRouterService(off, hostOf(off, 's1'), DEFAULT_HOST_PROGRAMS);
    assert.ok(!service.after.includes('gardenos-pgbouncer.service'));
  });

  test("runs as HAProxy's user (its admin socket is mode 600), after HAProxy, with no secret on its command line", () => {
    const service = renderRouterService(spec, hostOf(spec, 's1'), DEFAULT_HOST_PROGRAMS);
    assert.equal(service.user, 'haproxy');
    assert.ok(service.after.includes('gardenos-haproxy.service'));
    assert.ok(service.after.includes('gardenos-pgbouncer.service'));
    assert.deepEqual(service.environmentFiles, []);
    assert.deepEqual(service.exec.slice(3, 5), [DEFAULT_HOST_PROGRAMS.gardenos, 'router']);
    assert.equal(DEFAULT_HOST_PROGRAMS.gardenos, AGENT_PROGRAM, 'the program provisioning installs');
    for (const value of Object.values(FAKE_SECRETS)) assert.ok(!service.exec.join(' ').includes(value));
    assert.ok(!service.exec.some((a) => /password|token/i.test(a)));
  });
});
