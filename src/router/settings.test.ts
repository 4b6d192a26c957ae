// The router's flags: parsed into settings, every mistake a USAGE error that names the flag.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GardenError } from '../errors.js';
import { routerSettingsFromFlags } from './settings.js';

const local = {
  etcd: 'http://127.0.0.1:15410,http://127.0.0.1:15412',
  scope: 'garden',
  'haproxy-socket': '/srv/garden/haproxy/admin.sock',
  listen: '127.0.0.1:15403',
};

function usageError(values: Record<string, string>, mentions: RegExp): void {
  assert.throws(
    () => routerSettingsFromFlags(values),
    (err: unknown) => {
      assert.ok(err instanceof GardenError, String(err));
      assert.equal(err.exitCode, 2);
      assert.match(err.message, mentions);
      assert.ok(err.hint, 'a fix hint');
      return true;
    },
  );
}

describe('router settings from flags', () => {
  test('the PgBouncer flags add a PgBouncer route with each member at its socket directory and port', () => {
    const s = routerSettingsFromFlags({
      ...local,
      'pgbouncer-route-file': '/srv/garden/pgbouncer/route.ini',
      'pgbouncer-socket-dir': '/srv/garden/pgbouncer',
      'pgbouncer-port': '15404',
      'pgbouncer-members': 'pg1=/srv/garden/pg/sockets:15430,pg2=/srv/garden/pg/sockets:15431',
    });
    assert.deepEqual(s.pgbouncer, {
      socketDir: '/srv/garden/pgbouncer',
      port: 15404,
      mode: 'transaction',
      routeFile: '/srv/garden/pgbouncer/route.ini',
      members: [
        { name: 'pg1', host: '/srv/garden/pg/sockets', port: 15430 },
        { name: 'pg2', host: '/srv/garden/pg/sockets', port: 15431 },
      ],
      pauseTimeoutMs: 10_000,
      holdLimitMs: 30_000,
      stalePauseS: 60,
    });
    assert.equal(routerSettingsFromFlags(local).pgbouncer, undefined);
  });

  test('members across the network: the server TLS trio is all or nothing; the mode is transaction or session', () => {
    const pooled = {
      ...local,
      'pgbouncer-route-file': '/var/lib/gardenos/pgbouncer/route.ini',
      'pgbouncer-socket-dir': '/run/gardenos/pgbouncer',
      'pgbouncer-port': '6432',
      'pgbouncer-members': 'h1=10.0.0.1:5432,h2=10.0.0.2:5432',
      'pgbouncer-mode': 'session',
    };
    const tls = {
      'pgbouncer-server-ca': '/t/ca.crt',
      'pgbouncer-server-cert': '/t/c.crt',
      'pgbouncer-server-key': '/t/c.key',
    };
    const s = routerSettingsFromFlags({ ...pooled, ...tls }).pgbouncer!;
    assert.equal(s.mode, 'session');
    assert.deepEqual(s.serverTls, { caFile: '/t/ca.crt', certFile: '/t/c.crt', keyFile: '/t/c.key' });
    assert.equal(routerSettingsFromFlags(pooled).pgbouncer!.serverTls, undefined);
    assert.throws(
      () => routerSettingsFromFlags({ ...pooled, 'pgbouncer-server-ca': '/t/ca.crt' }),
      /needs all of --pgbouncer-server-ca, --pgbouncer-server-cert and --pgbouncer-server-key/,
    );
    assert.throws(
      () => routerSettingsFromFlags({ ...pooled, 'pgbouncer-mode': 'statement' }),
      /--pgbouncer-mode must be/,
    );
  });

  test('the kernel route flags: the port, each member at its address, the table; bad ones are named', () => {
    const kernel = {
      ...local,
      'kernel-route': '127.0.0.1:15405',
      'kernel-route-members': 'pg1=127.0.0.1:15430,pg2=127.0.0.1:15431',
      'kernel-route-table': 'gardenos_garden_15400',
    };
    assert.deepEqual(routerSettingsFromFlags(kernel).kernelRoute, {
      table: 'gardenos_garden_15400',
      listen: { host: '127.0.0.1', port: 15405 },
      members: [
        { name: 'pg1', host: '127.0.0.1', port: 15430 },
        { name: 'pg2', host: '127.0.0.1', port: 15431 },
      ],
    });
    usageError({ ...kernel, 'kernel-route': 'localhost:15405' }, /--kernel-route must be IPV4:PORT/);
    usageError({ ...kernel, 'kernel-route-members': 'pg1=/run/pg:15430' }, /not NAME=IPV4:PORT/);
    usageError({ ...kernel, 'kernel-route-table': 'drop table' }, /not an nftables table name/);
  });

  test('PgBouncer flags: a member that is not NAME=HOST:PORT, a bad port, a missing socket dir', () => {
    const base = {
      ...local,
      'pgbouncer-route-file': '/r.ini',
      'pgbouncer-socket-dir': '/d',
      'pgbouncer-port': '15404',
      'pgbouncer-members': 'pg1=/d:15430',
    };
    usageError({ ...base, 'pgbouncer-members': 'pg1:/d' }, /--pgbouncer-members has "pg1:\/d"/);
    usageError({ ...base, 'pgbouncer-port': 'x' }, /--pgbouncer-port/);
    usageError({ ...base, 'pgbouncer-pause-timeout-ms': '0' }, /--pgbouncer-pause-timeout-ms must be a positive/);
    const noDir: Record<string, string> = { ...base };
    delete noDir['pgbouncer-socket-dir'];
    usageError(noDir, /--pgbouncer-socket-dir/);
  });

  test('the HAProxy target with defaults', () => {
    assert.deepEqual(routerSettingsFromFlags(local), {
      target: 'haproxy',
      etcd: ['http://127.0.0.1:15410', 'http://127.0.0.1:15412'],
      prefix: '/service/garden/',
      listen: { host: '127.0.0.1', port: 15403 },
      reconcileIntervalMs: 5000,
      haproxySocket: '/srv/garden/haproxy/admin.sock',
    });
  });

  test("the k8s target listens on 0.0.0.0:8080 and selects the scope's pods unless told otherwise", () => {
    const s = routerSettingsFromFlags({
      target: 'k8s',
      etcd: 'http://etcd1:2379',
      scope: 'shop',
      namespace: 'db',
      'dcs-namespace': '/patroni/',
    });
    assert.equal(s.prefix, '/patroni/shop/');
    assert.deepEqual(s.listen, { host: '0.0.0.0', port: 8080 });
    assert.deepEqual(s.k8s, {
      namespace: 'db',
      selector: 'app.kubernetes.io/component=postgres,app.kubernetes.io/instance=shop',
    });
    assert.equal(s.haproxySocket, undefined);
  });

  test('TLS, reconcile interval and the polling mode', () => {
    const s = routerSettingsFromFlags({
      ...local,
      'etcd-ca': '/c/ca.crt',
      'etcd-cert': '/c/etcd.crt',
      'etcd-key': '/c/etcd.key',
      'reconcile-ms': '1000',
      'poll-ms': '10000',
      'patroni-apis': 'http://127.0.0.1:15440, http://127.0.0.1:15441',
    });
    assert.deepEqual(s.etcdTls, { caFile: '/c/ca.crt', certFile: '/c/etcd.crt', keyFile: '/c/etcd.key' });
    assert.equal(s.reconcileIntervalMs, 1000);
    assert.deepEqual(s.poll, { intervalMs: 10000, patroniApis: ['http://127.0.0.1:15440', 'http://127.0.0.1:15441'] });
  });

  test('mistakes name the flag and how to fix it', () => {
    usageError({ ...local, target: 'nginx' }, /target "nginx"/);
    usageError({ ...local, etcd: '' }, /--etcd/);
    usageError({ ...local, etcd: '127.0.0.1:2379' }, /not an etcd client URL/);
    usageError({ ...local, scope: '' }, /--scope/);
    usageError({ ...local, 'haproxy-socket': '' }, /--haproxy-socket/);
    usageError({ ...local, listen: '15403' }, /--listen/);
    usageError({ ...local, listen: '127.0.0.1:70000' }, /--listen/);
    usageError({ ...local, 'reconcile-ms': '0' }, /--reconcile-ms/);
    usageError({ ...local, 'reconcile-ms': 'soon' }, /--reconcile-ms/);
    usageError({ ...local, 'etcd-ca': '/c/ca.crt' }, /--etcd-cert/);
    usageError({ ...local, 'poll-ms': '1000' }, /--patroni-apis/);
    usageError({ etcd: 'http://etcd1:2379', scope: 'shop', target: 'k8s' }, /--namespace/);
  });
});
