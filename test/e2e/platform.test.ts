// End to end on the real stack: up, write/read through HAProxy, switchover, crash and heal, down, restart, purge.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PlatformStatus } from '../../src/ops/index.js';
import {
  cli,
  eventually,
  makeStateParent,
  pidAlive,
  postmasterPid,
  processPid,
  query,
  requireStack,
  secretValues,
  superuserPassword,
  watchCommandLines,
} from './harness.js';

const run = promisify(execFile);
const BASE = 17000;
const PRIMARY = BASE;
const REPLICAS = BASE + 1;
const stateDir = join(makeStateParent('platform'), 'garden');
const flags = ['--state-dir', stateDir, '--base-port', String(BASE)];
let password = '';

/** No secret of the platform on any command line seen (and the scan saw the platform's processes). */
function assertNoSecretIn(commandLines: Set<string>, during: string): void {
  assert.ok(
    [...commandLines].some((c) => c.includes('patroni') && c.includes(stateDir)),
    `the scan during ${during} saw Patroni's command line (${commandLines.size} seen)`,
  );
  for (const secret of secretValues(stateDir))
    for (const c of commandLines)
      assert.ok(
        !c.includes(secret),
        `a secret is on a command line during ${during}: ${c.replace(secret, '<secret>')}`,
      );
}

async function status(): Promise<{ code: number; s: PlatformStatus }> {
  const r = await cli(['status', '--json', ...flags]);
  return { code: r.code, s: JSON.parse(r.stdout) as PlatformStatus };
}

async function count(port: number): Promise<number> {
  const rows = await query<{ n: string }>(port, password, 'SELECT count(*) AS n FROM e2e_items');
  return Number(rows[0]!.n);
}

async function insert(n: number, label: string): Promise<void> {
  await query(PRIMARY, password, 'INSERT INTO e2e_items (label) SELECT $1 || g FROM generate_series(1, $2::int) g', [
    label,
    n,
  ]);
}

describe('local platform end to end', { timeout: 600_000 }, () => {
  before(() => requireStack());
  after(async () => {
    await cli(['down', '--purge', '--yes', ...flags]);
  });

  test('up creates a healthy platform and prints masked endpoints; no secret on any command line', async () => {
    const watch = watchCommandLines();
    const r = await cli(['up', ...flags]);
    const commandLines = await watch.stop();
    assert.equal(r.code, 0, r.stderr);
    assertNoSecretIn(commandLines, 'up');
    assert.match(r.stdout, /is up: created in [\d.]+ s/);
    assert.match(r.stdout, new RegExp(`postgresql://postgres:\\*\\*\\*\\*@127\\.0\\.0\\.1:${PRIMARY}/postgres`));
    password = superuserPassword(stateDir);
    assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password), 'the password must never be printed');
    const { code, s } = await status();
    assert.equal(code, 0);
    assert.equal(s.health, 'healthy', s.problems.join('; '));
    assert.equal(s.etcd.members.length, 3);
    assert.equal(s.etcd.members.filter((m) => m.isLeader).length, 1);
    assert.ok(s.etcd.members.every((m) => m.healthy && /^https:\/\/127\.0\.0\.1:\d+$/.test(m.clientURL)));
    assert.equal(s.postgres.members.filter((m) => m.role === 'leader').length, 1);
    assert.equal(s.postgres.leader, s.postgres.members.find((m) => m.role === 'leader')!.name);
    assert.deepEqual(s.endpoints, {
      primary: { host: '127.0.0.1', port: PRIMARY },
      replicas: { host: '127.0.0.1', port: REPLICAS },
      prometheus: `http://127.0.0.1:${BASE + 6}`,
      dashboard: `http://127.0.0.1:${BASE + 7}/`,
    });
    const primary = s.haproxy.backends.find((b) => b.name === 'primary')!;
    assert.deepEqual(
      primary.servers.filter((x) => x.status === 'UP').map((x) => x.name),
      [s.postgres.leader],
    );
  });

  test('writes go through the primary port and are read back through the replica port', async () => {
    await query(PRIMARY, password, 'CREATE TABLE e2e_items (id bigserial PRIMARY KEY, label text NOT NULL)');
    await insert(100, 'a');
    const onReplica = await query<{ recovery: boolean }>(REPLICAS, password, 'SELECT pg_is_in_recovery() AS recovery');
    assert.equal(onReplica[0]!.recovery, true, 'the replica port must reach a standby');
    await eventually(
      () => count(REPLICAS),
      (n) => n === 100,
    );
    await assert.rejects(query(REPLICAS, password, "INSERT INTO e2e_items (label) VALUES ('x')"), /read-only/);
  });

  test('switchover moves writes to the new leader; no secret on any command line', async () => {
    const before = (await status()).s.postgres.leader!;
    const watch = watchCommandLines();
    const r = await cli(['switchover', '--yes', ...flags]);
    assertNoSecretIn(await watch.stop(), 'switchover');
    assert.equal(r.code, 0, r.stderr);
    const m = /switched over from (\S+) to (\S+): .* after ([\d.]+) s/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.equal(m[1], before);
    const { s } = await status();
    assert.equal(s.postgres.leader, m[2]);
    assert.notEqual(s.postgres.leader, before);
    await insert(100, 'b');
    assert.equal(await count(PRIMARY), 200);
    await eventually(
      () => count(REPLICAS),
      (n) => n === 200,
    );
  });

  test('kill -9 of a replica postmaster: up heals it and no row is lost', async () => {
    const { s } = await eventually(status, ({ s }) => s.health === 'healthy');
    const victim = s.postgres.members.find((m) => m.role !== 'leader')!.name;
    const pid = postmasterPid(stateDir, victim);
    process.kill(pid, 'SIGKILL');
    await eventually(
      async () => pidAlive(pid),
      (alive) => !alive,
      5000,
    );
    const r = await cli(['up', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    // Patroni restarts a killed postmaster by itself within a loop or two; under load it can win the race with `up`.
    assert.match(r.stdout, /is up|is already running and healthy/);
    const after = await status();
    assert.equal(after.s.health, 'healthy', after.s.problems.join('; '));
    assert.equal(after.s.postgres.members.find((x) => x.name === victim)!.state, 'running');
    assert.equal(await count(PRIMARY), 200);
    await eventually(
      () => count(REPLICAS),
      (n) => n === 200,
    );
  });

  test('kill -9 of a replica Patroni and its postmaster: up restarts only that node', async () => {
    const { s } = await status();
    const victim = s.postgres.members.find((m) => m.role !== 'leader')!.name;
    const patroniPid = processPid(stateDir, `patroni-${victim}`);
    const pmPid = postmasterPid(stateDir, victim);
    const others = s.processes.filter((p) => p.member !== victim).map((p) => p.pid);
    process.kill(patroniPid, 'SIGKILL');
    process.kill(pmPid, 'SIGKILL');
    await eventually(
      async () => pidAlive(patroniPid) || pidAlive(pmPid),
      (alive) => !alive,
      5000,
    );
    assert.equal((await status()).code, 1, 'a platform with a dead node is degraded (exit 1)');
    const r = await cli(['up', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`restarted patroni-${victim} in`));
    const after = await status();
    assert.equal(after.s.health, 'healthy', after.s.problems.join('; '));
    assert.deepEqual(
      after.s.processes.filter((p) => p.member !== victim).map((p) => p.pid),
      others,
      'other processes untouched',
    );
    await insert(1, 'c');
    await eventually(
      () => count(REPLICAS),
      (n) => n === 201,
    );
  });

  test('up on a healthy platform changes nothing', async () => {
    const pids = (await status()).s.processes.map((p) => p.pid);
    const r = await cli(['up', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /already running and healthy/);
    assert.deepEqual(
      (await status()).s.processes.map((p) => p.pid),
      pids,
    );
  });

  test(
    "etcd is locked: another local user (nobody) can read no key and write nothing, with or without the platform's certificates",
    { skip: process.getuid?.() !== 0 ? 'needs root to run a command as nobody' : false },
    async (t) => {
      const certs = join(stateDir, 'certs');
      const url = `https://127.0.0.1:${BASE + 10}`;
      // The CA certificate is public: nobody gets a copy, so a refusal below is etcd's, not a file permission.
      const open = mkdtempSync(join(tmpdir(), 'gardenos-e2e-ca-'));
      chmodSync(open, 0o755);
      copyFileSync(join(certs, 'ca.crt'), join(open, 'ca.crt'));
      chmodSync(join(open, 'ca.crt'), 0o644);
      // Every private key is 0600: its owner's alone.
      for (const f of readdirSync(certs).filter((n) => n.endsWith('.key')))
        assert.equal(statSync(join(certs, f)).mode & 0o077, 0, `${f} is readable by others`);
      const asNobody = (args: string[]) =>
        run('setpriv', ['--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups', ...args], {
          encoding: 'utf8',
          timeout: 20_000,
        }).then(
          () => 'accepted',
          (err: { stderr?: string }) => `refused: ${(err.stderr ?? '').trim().split('\n').pop()}`,
        );
      // The exploit: Patroni's config key (an archive_command there runs as postgres after the next WAL switch).
      const key = '/service/garden/config';
      const value = '{"postgresql":{"parameters":{"archive_command":"touch /tmp/pwned"}}}';
      // etcd's JSON gateway (/v3/kv/...) through curl: its errors name the TLS alert etcd sends when a client
      // has no certificate ("bad certificate" from etcd 3.4's Go TLS, "certificate required" in TLS 1.3 terms).
      const b64 = (x: string) => Buffer.from(x).toString('base64');
      const put = JSON.stringify({ key: b64(key), value: b64(value) });
      const curl = (base: string, path: string, body: string, extra: string[] = []) => [
        'curl',
        '-sS',
        '-f',
        '--max-time',
        '5',
        ...extra,
        `${base}${path}`,
        '-d',
        body,
      ];
      const ca = ['--cacert', join(open, 'ca.crt')];
      // What etcd itself says about each refused connection (a client error can be any of several: a TLS
      // alert, a connection closed mid-request), from the log of the member asked.
      const etcdLog = join(stateDir, 'logs', 'etcd-etcd1.log');
      const logSize = () => statSync(etcdLog).size;
      const attempts: [string, string[], RegExp][] = [
        [
          'a put over plain http',
          curl(url.replace('https', 'http'), '/v3/kv/put', put),
          /does not look like a TLS handshake/,
        ],
        ['a put over https without a certificate', curl(url, '/v3/kv/put', put, ca), /didn't provide a certificate/],
        [
          'a read over https without a certificate',
          curl(url, '/v3/kv/range', JSON.stringify({ key: b64('/service/') }), ca),
          /didn't provide a certificate/,
        ],
      ];
      for (const [how, args, etcdSays] of attempts) {
        const from = logSize();
        const r = await asNobody(args);
        t.diagnostic(`${how}: ${r}`);
        assert.match(r, /^refused/, `nobody got through: ${how}`);
        await eventually(
          async () => readFileSync(etcdLog).subarray(from).toString('utf8'),
          (text) => /rejected connection/.test(text) && etcdSays.test(text),
          10_000,
        ).catch(() => assert.fail(`${how}: etcd's log does not show the refusal (${etcdSays})`));
      }
      // A client certificate of the platform's does not help: its key is not nobody's to read.
      const router = await asNobody(
        curl(url, '/v3/kv/put', put, [...ca, '--cert', join(certs, 'router.crt'), '--key', join(certs, 'router.key')]),
      );
      t.diagnostic(`a put with the router's certificate: ${router}`);
      assert.match(
        router,
        /^refused: .*(router\.key|could not load PEM client certificate|unable to set private key)/i,
      );
      rmSync(open, { recursive: true, force: true });
      // The same put with gardenos's own certificate, as its owner, works: the refusals above are authentication.
      const tls = [
        '--cacert',
        join(certs, 'ca.crt'),
        '--cert',
        join(certs, 'gardenos.crt'),
        '--key',
        join(certs, 'gardenos.key'),
      ];
      await run('etcdctl', ['--endpoints', url, ...tls, 'put', '/gardenos-e2e/probe', 'ok'], { timeout: 20_000 });
      const got = await run(
        'etcdctl',
        ['--endpoints', url, ...tls, 'get', '--print-value-only', '/gardenos-e2e/probe'],
        {
          encoding: 'utf8',
          timeout: 20_000,
        },
      );
      assert.equal(got.stdout.trim(), 'ok');
      await run('etcdctl', ['--endpoints', url, ...tls, 'del', '/gardenos-e2e/probe'], { timeout: 20_000 });
      const config = await run('etcdctl', ['--endpoints', url, ...tls, 'get', '--print-value-only', key], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.doesNotMatch(config.stdout, /pwned/);
    },
  );

  test('down stops everything, keeps data; up brings it back with the rows', async () => {
    const pids = (await status()).s.processes.map((p) => p.pid!);
    const r = await cli(['down', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    // Every supervised process: etcd, Patroni, HAProxy, PgBouncer, the router and monitoring's.
    assert.ok(pids.length >= 12, `${pids.length} processes`);
    assert.match(
      r.stdout,
      new RegExp(`is down: ${pids.length} processes stopped.*; no process left, every port free; data kept`),
    );
    assert.ok(
      pids.every((p) => !pidAlive(p)),
      'no process survives down',
    );
    const st = await status();
    assert.equal(st.code, 2);
    assert.equal(st.s.health, 'down');
    const again = await cli(['up', ...flags]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await count(PRIMARY), 201);
  });

  test('down --purge --yes deletes the state dir', async () => {
    const r = await cli(['down', '--purge', '--yes', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(stateDir));
  });
});
