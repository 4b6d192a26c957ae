// The flags `up` starts the router with describe the spec's platform exactly (round trip through the router's parser).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { routerSettingsFromFlags, type FlagValues } from '../router/settings.js';
import { loadSpec } from '../spec/index.js';
import { layoutOf } from './layout.js';
import { routerFlags } from './router-flags.js';

const load = (text: string) => loadSpec(text, { source: 't', defaultStateDir: (n) => `/srv/${n}` });
const parse = (flags: string[]) =>
  routerSettingsFromFlags(
    parseArgs({
      args: flags,
      options: Object.fromEntries(
        flags.filter((f) => f.startsWith('--')).map((f) => [f.slice(2), { type: 'string' as const }]),
      ),
      strict: true,
    }).values as FlagValues,
  );

describe('routerFlags', () => {
  test("the default spec: three etcd members over https with the router's own certificate, the admin socket, the router port", () => {
    const spec = load('');
    const s = parse(routerFlags(spec, layoutOf(spec.local.stateDir)));
    assert.deepEqual(s.etcd, ['https://127.0.0.1:15410', 'https://127.0.0.1:15412', 'https://127.0.0.1:15414']);
    assert.equal(s.prefix, '/service/garden/');
    assert.equal(s.haproxySocket, '/srv/garden/haproxy/admin.sock');
    assert.deepEqual(s.listen, { host: '127.0.0.1', port: 15403 });
    assert.equal(s.reconcileIntervalMs, 5000);
    assert.deepEqual(s.etcdTls, {
      caFile: '/srv/garden/certs/ca.crt',
      certFile: '/srv/garden/certs/router.crt',
      keyFile: '/srv/garden/certs/router.key',
    });
    assert.equal(s.poll, undefined, 'the etcd watch unless --poll-ms is added');
    assert.equal(s.patroniCaFile, '/srv/garden/certs/ca.crt', 'the REST APIs serve https (postgres.tls required)');
  });

  test('http etcd and plain Patroni (asked for), another namespace, name, base port and reconcile interval', () => {
    const spec = load(
      'name: shop\netcd:\n  scheme: http\n  namespace: /db\npostgres:\n  tls: off\nlocal:\n  basePort: 20000\nrouter:\n  reconcileIntervalMs: 2000\n',
    );
    const flags = routerFlags(spec, layoutOf(spec.local.stateDir));
    const s = parse([...flags, '--poll-ms', '500']);
    assert.equal(s.etcd[0], 'http://127.0.0.1:20010');
    assert.equal(s.prefix, '/db/shop/');
    assert.equal(s.etcdTls, undefined);
    assert.equal(s.patroniCaFile, undefined);
    assert.equal(s.reconcileIntervalMs, 2000);
    assert.deepEqual(s.poll, {
      intervalMs: 500,
      patroniApis: ['http://127.0.0.1:20040', 'http://127.0.0.1:20041', 'http://127.0.0.1:20042'],
    });
  });
});
