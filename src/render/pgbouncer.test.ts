// PgBouncer's files: auth by hba (peer for the console, scram for everyone else), no password anywhere,
// TLS by postgres.tls, and a route file that always names exactly one destination.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSpec } from '../spec/index.js';
import {
  renderPgbouncerHba,
  renderPgbouncerIni,
  renderPgbouncerRoute,
  renderPgbouncerUsers,
  ROUTE_PROBE_DATABASE,
  UNROUTED_HOST,
  type PgbouncerInput,
} from './pgbouncer.js';

const spec = loadSpec('pooler: { mode: session, poolSize: 7 }', { source: 'test', defaultStateDir: () => '/s' });
const input = (tls?: PgbouncerInput['files']['tls']): PgbouncerInput => ({
  spec,
  listenAddress: '127.0.0.1',
  adminUsers: ['gardenos', 'root'],
  files: {
    routeFile: '/s/pgbouncer/route.ini',
    hbaFile: '/s/h',
    usersFile: '/s/u',
    socketDir: '/s/pgbouncer',
    ...(tls ? { tls } : {}),
  },
});

test('pgbouncer.ini: listens on pooler.port, hba auth, auth_query through the auth role, the spec pool settings', () => {
  const ini = renderPgbouncerIni(input());
  assert.match(ini, /^%include \/s\/pgbouncer\/route\.ini$/m);
  assert.match(ini, new RegExp(`^listen_port = ${spec.pooler.port}$`, 'm'));
  assert.equal(spec.pooler.port, spec.local.basePort + 4);
  assert.match(ini, /^auth_type = hba$/m);
  assert.match(ini, /^auth_user = gardenos_pooler$/m);
  assert.match(ini, /^auth_query = SELECT uname, phash FROM gardenos_pooler\.lookup\(\$1\)$/m);
  assert.match(ini, /^admin_users = gardenos, root$/m);
  assert.match(ini, /^pool_mode = session$/m);
  assert.match(ini, /^default_pool_size = 7$/m);
  assert.match(ini, /^unix_socket_mode = 0700$/m);
  // A pause no longer stalls queued clients for 15 s after RESUME (see the renderer).
  assert.match(ini, /^server_login_retry = 0.5$/m);
  assert.doesNotMatch(ini, /client_tls/);
});

test('pgbouncer.ini with TLS: the certificate and the mode postgres.tls asks for', () => {
  const ini = renderPgbouncerIni(input({ certFile: '/c.crt', keyFile: '/c.key', mode: 'require' }));
  assert.match(ini, /^client_tls_sslmode = require$/m);
  assert.match(ini, /^client_tls_cert_file = \/c\.crt$/m);
  assert.match(ini, /^client_tls_key_file = \/c\.key$/m);
});

test('hba: the console by peer over the socket only; admin users cannot log in over TCP; others scram, hostssl with TLS required', () => {
  const lines = renderPgbouncerHba(input({ certFile: '/c', keyFile: '/k', mode: 'require' }))
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
  assert.deepEqual(lines, [
    'local pgbouncer gardenos,root peer',
    'local all all reject',
    'host all gardenos,root 0.0.0.0/0 reject',
    'hostssl all all 0.0.0.0/0 scram-sha-256',
  ]);
  assert.match(
    renderPgbouncerHba(input({ certFile: '/c', keyFile: '/k', mode: 'prefer' })),
    /^host all all 0\.0\.0\.0\/0 scram-sha-256$/m,
  );
});

test('the user list names the admin users with no password, and holds nothing else', () => {
  assert.equal(renderPgbouncerUsers(input()), '"gardenos" ""\n"root" ""\n');
});

test('the route file sends every database and the probe entry to one member, or to nowhere', () => {
  const routed = renderPgbouncerRoute({ member: 'pg2', host: '/s/pg/sockets', port: 15431 });
  assert.match(routed, /^\* = host=\/s\/pg\/sockets port=15431$/m);
  assert.match(routed, new RegExp(`^${ROUTE_PROBE_DATABASE} = host=/s/pg/sockets port=15431 dbname=postgres$`, 'm'));
  const nowhere = renderPgbouncerRoute(null);
  assert.match(nowhere, new RegExp(`^\\* = host=${UNROUTED_HOST} port=1$`, 'm'));
  for (const text of [routed, nowhere]) {
    assert.equal(text.split('\n').filter((l) => /^[^;[].* = host=/.test(l)).length, 2, text);
  }
});

test('the spec refuses an unknown pool mode, and pooler.port is checked against the other ports', () => {
  assert.throws(
    () => loadSpec('pooler: { mode: statement }', { source: 'test', defaultStateDir: () => '/s' }),
    /pooler\.mode/,
  );
  assert.throws(() => loadSpec('pooler: { port: 15400 }', { source: 'test', defaultStateDir: () => '/s' }), /15400/);
});
