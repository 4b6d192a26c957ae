// Backups on the real stack: WAL archiving through Patroni, pgBackRest full + incr backups, and a
// point-in-time restore into a fresh cluster that holds exactly the rows written before the target.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { StanzaInfo } from '../../src/ops/backup/index.js';
import { cli, eventually, makeStateParent, query, requireStack, superuserPassword } from './harness.js';

const BASE = 19100;
const parent = makeStateParent('backup');
const stateDir = join(parent, 'garden');
const specFile = join(parent, 'gardenos.yaml');
const flags = ['-f', specFile, '--state-dir', stateDir, '--base-port', String(BASE)];
let password = '';

const rows = async (port = BASE) =>
  (
    await query<{ batch: string; n: string }>(
      port,
      password,
      'SELECT batch, count(*) AS n FROM pitr GROUP BY 1 ORDER BY 1',
    )
  ).map((r) => `${r.batch}:${r.n}`);
const insert = (batch: string, from: number) =>
  query(BASE, password, 'INSERT INTO pitr SELECT g, $1 FROM generate_series($2::int, $2::int + 9) g', [batch, from]);

describe('pgBackRest backups and point-in-time restore', { timeout: 240_000 }, () => {
  before(async () => {
    requireStack();
    try {
      execFileSync('sh', ['-c', 'command -v pgbackrest'], { stdio: 'ignore' });
    } catch {
      throw new Error(
        'pgbackrest is missing: install with `sudo apt-get install -y pgbackrest` (or `npx gardenos setup`)',
      );
    }
    writeFileSync(specFile, 'nodes: 2\netcd: { members: 1 }\nbackup: { enabled: true, retentionFull: 2 }\n');
    const r = await cli(['up', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    password = superuserPassword(stateDir);
  });
  after(async () => {
    await cli(['down', '--purge', '--yes', ...flags]);
  });

  test("WAL archiving is configured through Patroni and the pgBackRest config is the postgres user's", async () => {
    const [s] = await query<{ mode: string; cmd: string }>(
      BASE,
      password,
      "SELECT current_setting('archive_mode') AS mode, current_setting('archive_command') AS cmd",
    );
    assert.equal(s!.mode, 'on');
    assert.match(
      s!.cmd,
      /^pgbackrest --config=.*\/backup\/pgbackrest.conf --stanza=garden --pg1-path="\$\(pwd -P\)" archive-push %p$/,
    );
    const conf = readFileSync(join(stateDir, 'backup', 'pgbackrest.conf'), 'utf8');
    assert.ok(!conf.includes(password), 'no password in the pgBackRest config');
  });

  test('doctor names failing WAL archiving (repository made unwritable), and archiving recovers', async () => {
    const doctor = async () =>
      JSON.parse((await cli(['doctor', '--json', ...flags])).stdout) as { findings: { id: string; title: string }[] };
    assert.ok(
      !(await doctor()).findings.some((f) => f.id === 'replication.wal-archiving'),
      'up created the stanza: archiving works from the start',
    );
    const archive = join(stateDir, 'backup', 'repo', 'archive');
    chmodSync(archive, 0o000);
    try {
      await query(BASE, password, 'CREATE TABLE IF NOT EXISTS wal_kick (x int); INSERT INTO wal_kick VALUES (1)');
      await query(BASE, password, 'SELECT pg_switch_wal()');
      const { findings } = await eventually(
        doctor,
        (d) => d.findings.some((f) => f.id === 'replication.wal-archiving'),
        20000,
      );
      assert.match(
        findings.find((f) => f.id === 'replication.wal-archiving')!.title,
        /WAL archiving is failing on the primary \(\d+ failures?, last 0000/,
      );
    } finally {
      chmodSync(archive, 0o750);
    }
    // After three failures in a row the archiver sleeps up to 60 s; a new segment wakes it at once.
    await query(BASE, password, 'INSERT INTO wal_kick VALUES (2)');
    await query(BASE, password, 'SELECT pg_switch_wal()');
    await eventually(doctor, (d) => !d.findings.some((f) => f.id === 'replication.wal-archiving'), 90000);
  });

  test('backup refuses a bad --type; restore refuses before any backup and without --yes', async () => {
    const bad = await cli(['backup', '--type', 'weekly', ...flags]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--type must be full, diff or incr/);
    const none = await cli(['restore', '--latest', '--yes', ...flags]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /RESTORE_FAILED.*no backup of garden/s);
  });

  test('write, back up (full + incr), write, note the time, write, restore to that time', async () => {
    await query(BASE, password, 'CREATE TABLE pitr (id int PRIMARY KEY, batch text NOT NULL)');
    await insert('a', 1);
    const full = await cli(['backup', ...flags]);
    assert.equal(full.code, 0, full.stderr);
    assert.match(full.stdout, /^full backup \d{8}-\d{6}F finished at/);
    await insert('b', 11);
    const incr = await cli(['backup', '--type', 'incr', ...flags]);
    assert.equal(incr.code, 0, incr.stderr);
    assert.match(incr.stdout, /^incr backup \d{8}-\d{6}F_\d{8}-\d{6}I finished/);
    await new Promise((r) => setTimeout(r, 1100));
    await insert('c', 21);
    const [t] = await query<{ ts: Date }>(BASE, password, 'SELECT clock_timestamp() AS ts');
    const target = t!.ts.toISOString();
    await new Promise((r) => setTimeout(r, 300));
    await insert('d', 31);
    // The target lies in a WAL segment that must reach the archive before recovery can pass it.
    await query(BASE, password, 'SELECT pg_switch_wal()');
    assert.deepEqual(await rows(), ['a:10', 'b:10', 'c:10', 'd:10']);

    const list = await cli(['backup', 'list', '--json', ...flags]);
    assert.equal(list.code, 0, list.stderr);
    const info = JSON.parse(list.stdout) as StanzaInfo;
    assert.deepEqual(
      info.backups.map((b) => b.type),
      ['full', 'incr'],
    );
    assert.equal(info.status, 'ok');

    const asked = await cli(['restore', '--to-time', target, ...flags]);
    assert.equal(asked.code, 2);
    assert.match(asked.stderr, /gardenos restore will:.*move pg1's data dir aside.*CONFIRM_REQUIRED/s);
    assert.deepEqual(await rows(), ['a:10', 'b:10', 'c:10', 'd:10'], 'an unconfirmed restore changes nothing');

    const r = await cli(['restore', '--to-time', target, '--yes', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /restored garden from \S+I to /);
    assert.deepEqual(await rows(), ['a:10', 'b:10', 'c:10'], 'exactly the rows written before the target');
    await eventually(
      () => rows(BASE + 1),
      (r) => r.join() === 'a:10,b:10,c:10',
      20000,
    );
    for (const node of ['pg1', 'pg2']) {
      assert.ok(
        readdirSync(join(stateDir, 'pg', node)).some((d) => d.startsWith('data.before-restore-')),
        `old data dir of ${node} kept`,
      );
    }
    const status = JSON.parse((await cli(['status', '--json', ...flags])).stdout) as {
      health: string;
      problems: string[];
    };
    assert.equal(status.health, 'healthy', status.problems.join('; '));
    assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password));
  });

  test('the restored cluster archives again and backs up on its new timeline', async () => {
    await insert('e', 41);
    const r = await cli(['backup', '--type', 'diff', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(stateDir, 'backup', 'repo', 'backup', 'garden')));
  });
});
