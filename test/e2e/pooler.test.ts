// End to end: PgBouncer in front of the leader. Pooled logins by auth_query (scram, TLS), the admin
// console for gardenos only, a planned switchover paused instead of failed, no connection left on the
// demoted primary, and an idle client that writes after the switch.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import {
  cli,
  eventually,
  makeStateParent,
  pidAlive,
  processPid,
  query,
  requireStack,
  superuserPassword,
} from './harness.js';
import { missingAcked, Writer } from './writer.js';
import { PoolerAdmin } from '../../src/pooler/index.js';
import { layoutOf, readSecrets, readStoredSpec } from '../../src/local/index.js';
import { localAccess } from '../../src/ops/access.js';

const BASE = 19700;
const PRIMARY = BASE;
const POOLER = BASE + 4;
const stateDir = join(makeStateParent('pooler'), 'garden');
const flags = ['--state-dir', stateDir, '--base-port', String(BASE)];
const admin = new PoolerAdmin({ socketDir: join(stateDir, 'pgbouncer'), port: POOLER });
let superPw = '';
let appPw = '';
let ca: Buffer;

function appClient(opts: Partial<pg.ClientConfig> = {}): pg.Client {
  const c = new pg.Client({
    host: '127.0.0.1',
    port: POOLER,
    user: 'app',
    password: appPw,
    database: 'app',
    ssl: { ca },
    connectionTimeoutMillis: 5000,
    ...opts,
  });
  c.on('error', () => undefined);
  return c;
}

async function loginError(opts: Partial<pg.ClientConfig>): Promise<string> {
  const c = appClient(opts);
  try {
    await c.connect();
    await c.end();
    return 'connected';
  } catch (err) {
    return (err as Error).message;
  }
}

interface StatusJson {
  health: string;
  postgres: { leader: string | null; members: { role: string }[] };
}

async function status(): Promise<StatusJson> {
  const r = await cli(['status', '--json', ...flags]);
  return JSON.parse(r.stdout) as StatusJson;
}

async function leader(): Promise<string> {
  const s = await status();
  assert.ok(s.postgres.leader, `no leader in status: ${JSON.stringify(s)}`);
  return s.postgres.leader;
}

/** The leader, once Patroni names a synchronous standby again: a switchover needs one to hand over to. */
async function leaderReadyToSwitch(): Promise<string> {
  const s = await eventually(
    status,
    (x) => x.health === 'healthy' && x.postgres.members.some((m) => m.role === 'sync_standby'),
    90_000,
  );
  return s.postgres.leader!;
}

describe('PgBouncer in front of the leader', { timeout: 600_000 }, () => {
  before(() => requireStack());
  after(async () => {
    await cli(['down', '--purge', '--yes', ...flags]);
  });

  test('up starts PgBouncer; the services role logs in through it over TLS, to the leader', async () => {
    const r = await cli(['up', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    superPw = superuserPassword(stateDir);
    const secrets = JSON.parse(readFileSync(join(stateDir, 'secrets.json'), 'utf8')) as { appPassword: string };
    appPw = secrets.appPassword;
    ca = readFileSync(join(stateDir, 'certs', 'ca.crt'));
    const c = appClient();
    await c.connect();
    const row = (
      await c.query<{ ro: string; user: string }>('SELECT current_setting($1) AS ro, current_user AS user', [
        'transaction_read_only',
      ])
    ).rows[0];
    await c.end();
    assert.deepEqual(row, { ro: 'off', user: 'app' });
  });

  test('refused: a wrong password, plaintext, the superuser (never handed out by auth_query), the console over TCP', async () => {
    assert.match(await loginError({ password: 'wrong' }), /SASL|password authentication failed/);
    assert.match(await loginError({ ssl: false }), /SSL required|no pg_hba|hba/i);
    assert.notEqual(await loginError({ user: 'postgres', password: superPw, database: 'postgres' }), 'connected');
    assert.notEqual(await loginError({ user: 'root', password: '', database: 'pgbouncer' }), 'connected');
    // Over its socket, as gardenos's own user (peer auth), the console answers.
    const dbs = await admin.show('DATABASES');
    assert.ok(
      dbs.some((d) => d.name === 'gardenos_route'),
      JSON.stringify(dbs),
    );
  });

  test('a switchover under 16 pooled writers: no failed write, none lost, no server connection left on the old leader; an idle client writes after it', async () => {
    await switchoverUnderWriters(1, async () => {
      const sw = await cli(['switchover', '--yes', ...flags]);
      assert.equal(sw.code, 0, sw.stderr);
      assert.match(sw.stdout, /PgBouncer .* was paused across it/);
    });
  });

  test('a switchover asked of Patroni directly (as patronictl does): the router pauses PgBouncer, no write fails', async () => {
    const layout = layoutOf(stateDir);
    const access = localAccess((await readStoredSpec(layout))!, readSecrets(layout));
    await switchoverUnderWriters(2, async (from) => {
      // POST /switchover answers once the new leader holds the key, as patronictl waits for it.
      await access.patroni(from, 60_000).switchover({ leader: from });
    });
    const metrics = await fetch(`http://127.0.0.1:${BASE + 3}/metrics`).then((r) => r.text());
    assert.match(metrics, /gardenos_router_pooler_pauses_total\{outcome="paused"\} 1/, metrics);
    assert.match(metrics, /gardenos_router_pooler_paused 0/);
    assert.match(metrics, /gardenos_pooler_up 1/);
    // PgBouncer's SHOW STATS as counters (in place of Debian's exporter, which fails on 1.18).
    const pooled = /gardenos_pooler_transactions_total\{database="([^"]+)"\} (\d+)/.exec(metrics);
    assert.ok(pooled && Number(pooled[2]) > 0, `no pooled transactions counted:\n${metrics}`);
  });

  test('a transaction held open through the pooler: the pause times out (pooler.pauseTimeoutMs), is cancelled, and the switchover still completes; the pooler is not left paused', async () => {
    const from = await leaderReadyToSwitch();
    const holder = appClient();
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('INSERT INTO pooled_writes (id) VALUES (-100)');
      // PAUSE waits for this transaction, which never ends: the bound (10 s by default) cuts the wait.
      const sw = await cli(['switchover', '--yes', ...flags]);
      assert.equal(sw.code, 0, sw.stderr);
      assert.match(sw.stdout, new RegExp(`switched over from ${from} to pg\\d`));
      assert.match(
        sw.stderr,
        /did not finish within pooler\.pauseTimeoutMs \(10000 ms\), so the switchover went ahead without the pause/,
      );
      assert.doesNotMatch(sw.stdout, /was paused across it/);
    } finally {
      await holder.end().catch(() => undefined);
    }
    assert.notEqual(await leader(), from);
    // Not left paused: a new pooled client writes at once, on the new leader.
    const c = appClient({ query_timeout: 5000 });
    await c.connect();
    try {
      const r = await c.query<{ r: boolean }>(
        'INSERT INTO pooled_writes (id) VALUES (-101) RETURNING pg_is_in_recovery() AS r',
      );
      assert.deepEqual(r.rows, [{ r: false }]);
      // The held transaction was never committed.
      const held = await c.query<{ n: string }>('SELECT count(*) AS n FROM pooled_writes WHERE id = -100');
      assert.equal(held.rows[0]!.n, '0');
    } finally {
      await c.end().catch(() => undefined);
    }
  });

  test('a pause left behind (PAUSE with no switchover under way): the router resumes PgBouncer once clients have waited 60 s, and counts it', async () => {
    const c = appClient({ query_timeout: 150_000 });
    await c.connect();
    try {
      await c.query('SELECT 1');
      await admin.run('PAUSE');
      const t0 = performance.now();
      const rows = (await c.query<{ one: number }>('SELECT 1 AS one')).rows;
      const waitedS = (performance.now() - t0) / 1000;
      assert.deepEqual(rows, [{ one: 1 }]);
      // The limit is 60 s of waiting, looked at every 5 s (and PgBouncer's maxwait counts whole seconds).
      assert.ok(waitedS >= 59 && waitedS < 110, `the query waited ${waitedS.toFixed(1)} s`);
      const metrics = await fetch(`http://127.0.0.1:${BASE + 3}/metrics`).then((r) => r.text());
      assert.match(metrics, /^gardenos_router_pooler_stale_pause_resumes_total 1$/m, metrics);
      const log = readFileSync(join(stateDir, 'logs', 'router.log'), 'utf8');
      assert.match(log, /a pause left behind.*resumed it/);
    } finally {
      await admin.run('RESUME').catch(() => undefined);
      await c.end().catch(() => undefined);
    }
  });

  test('PgBouncer down: a switchover is refused (exit 2) before anything changed; up starts PgBouncer again, routed to the leader', async () => {
    const from = await leaderReadyToSwitch();
    // Read with the platform settled (leaderReadyToSwitch): the pid is the running PgBouncer's.
    const pid = processPid(stateDir, 'pgbouncer');
    assert.ok(pidAlive(pid), `pgbouncer pid ${pid} is not alive`);
    process.kill(pid, 'SIGKILL');
    await eventually(
      async () => pidAlive(pid),
      (alive) => !alive,
      10_000,
    );
    const sw = await cli(['switchover', '--yes', ...flags]);
    assert.equal(sw.code, 2, sw.stdout + sw.stderr);
    assert.match(sw.stderr, /PgBouncer could not be paused for the switchover .*so nothing was changed/);
    assert.match(sw.stderr, /gardenos up/);
    assert.equal(await leader(), from, 'the leader changed although the switchover was refused');
    const up = await cli(['up', ...flags]);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(await loginError({}), 'connected');
    const st = JSON.parse((await cli(['status', '--json', ...flags])).stdout) as { poolers: { routedTo: string }[] };
    assert.equal(st.poolers[0]?.routedTo, from);
  });

  test("a database without PgBouncer's lookup function (made from template0): pooled logins to it fail, doctor names it, up repairs it", async () => {
    await query(PRIMARY, superPw, 'CREATE DATABASE fresh TEMPLATE template0 OWNER app');
    const refused = await loginError({ database: 'fresh' });
    assert.notEqual(refused, 'connected', 'auth_query cannot work in a database without the function');
    const doc = await cli(['doctor', '--json', ...flags]);
    const report = JSON.parse(doc.stdout) as { findings: { id: string; title: string; fix: string }[] };
    const finding = report.findings.find((f) => f.id === 'routing.pooler-auth');
    assert.ok(finding, doc.stdout);
    assert.match(finding.title, /lookup function is missing .* in fresh: pooled logins to it fail/);
    assert.match(finding.fix, /gardenos up/);
    assert.equal(doc.code, 1, 'doctor exits 1 on an error finding');
    const up = await cli(['up', ...flags]);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(await loginError({ database: 'fresh' }), 'connected');
    const again = await cli(['doctor', '--json', ...flags]);
    const ids = (JSON.parse(again.stdout) as { findings: { id: string }[] }).findings.map((f) => f.id);
    assert.ok(!ids.includes('routing.pooler-auth'), again.stdout);
  });

  test('down stops PgBouncer with the rest', async () => {
    const r = await cli(['down', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    await assert.rejects(admin.show('DATABASES'));
  });
});

/** 16 pooled writers and one idle client across `change`; round picks the ids, so rounds never collide. */
/** The router's last decisions (pause, route, resume), for a failure message: the CI log keeps only the end of a run. */
function routerLog(): string {
  const lines = readFileSync(join(stateDir, 'logs', 'router.log'), 'utf8')
    .trim()
    .split('\n');
  return `router.log (last 10 lines; performance.now() 0 was ${new Date(performance.timeOrigin).toISOString()}):\n${lines.slice(-10).join('\n')}`;
}

async function switchoverUnderWriters(round: number, change: (from: string) => Promise<void>): Promise<void> {
  const owner = appClient();
  const idle = appClient();
  let writers: Writer[] = [];
  try {
    await owner.connect();
    await owner.query('CREATE TABLE IF NOT EXISTS pooled_writes (id bigint PRIMARY KEY)');
    await idle.connect();
    await idle.query('SELECT 1');
    const from = await leaderReadyToSwitch();
    writers = Array.from(
      { length: 16 },
      (_, i) =>
        new Writer({
          ports: [POOLER],
          password: appPw,
          user: 'app',
          database: 'app',
          ssl: { ca },
          pooled: true,
          table: 'pooled_writes',
          intervalMs: 20,
          idOffset: round * 100_000_000 + i * 1_000_000 + 1,
        }),
    );
    for (const w of writers) w.start();
    // Every writer holds its connection before the change: a first login during the pause waits for it
    // (auth_query needs a server connection), and a busy machine can take seconds to log 16 in.
    const started = performance.now();
    await eventually(
      async () => writers.every((w) => w.ackedSince(started) >= 5),
      (all) => all,
      60_000,
    );
    const swAt = performance.now();
    await change(from);
    const swDone = performance.now();
    await new Promise((r) => setTimeout(r, 1000));
    const results = await Promise.all(writers.map((w) => w.stop()));
    const to = await leader();
    assert.notEqual(to, from);
    const errors = results.reduce((n, r) => n + r.errors, 0);
    const acked = results.flatMap((r) => r.acked);
    const longest = Math.max(...results.map((r) => r.longestGapMs));
    console.log(
      `# pooled switchover (round ${round}) ${from} -> ${to}: ${acked.length} writes acknowledged, ${errors} failed, longest wait ${longest.toFixed(0)} ms`,
    );
    const samples = results.flatMap((r) => r.errorSamples).slice(0, 6);
    assert.equal(
      errors,
      0,
      `writes failed through the pooler during the switchover (switchover from ${swAt.toFixed(0)} to ${swDone.toFixed(0)} ms): ${samples.join(' | ')}\n${routerLog()}`,
    );
    const lost = await missingAcked(
      async (sql) => (await owner.query<{ id: string }>(sql)).rows,
      'pooled_writes',
      acked,
    );
    assert.deepEqual(lost, []);
    // Every server connection PgBouncer holds is to the new leader.
    const leaderPort = Number(
      (await query<{ port: string }>(PRIMARY, superPw, "SELECT current_setting('port') AS port"))[0]!.port,
    );
    const servers = await admin.show('SERVERS');
    const ports = new Set(servers.map((s) => Number(s.port)));
    assert.ok(
      ports.size <= 1 && (ports.size === 0 || ports.has(leaderPort)),
      `server connections on ports ${[...ports].join(', ')}; the leader is on ${leaderPort}`,
    );
    // The client that sat idle across the switchover writes on the new leader.
    await idle.query('INSERT INTO pooled_writes (id) VALUES ($1)', [-round]);
    assert.equal(
      (await idle.query<{ ro: string }>("SELECT current_setting('transaction_read_only') AS ro")).rows[0]!.ro,
      'off',
    );
  } finally {
    // Stopped here too when the change throws, or the writers' loops keep the test process alive.
    await Promise.all([...writers.map((w) => w.stop()), owner.end(), idle.end()].map((p) => p.catch(() => undefined)));
  }
}
