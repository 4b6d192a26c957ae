// Migration on the real stack: a separate plain PostgreSQL (initdb + pg_ctl on a loopback port) is the
// source; migrate copies it into the platform's primary, verifies it, and refuses a non-empty target.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { MigrateReport } from '../../src/ops/migrate/index.js';
import { cli, makeStateParent, query, requireStack, sslFor, superuserPassword, watchCommandLines } from './harness.js';

const BASE = 19200;
const SOURCE_PORT = 19250;
const PG_BIN = '/usr/lib/postgresql/15/bin';
const parent = makeStateParent('migrate');
const stateDir = join(parent, 'garden');
const specFile = join(parent, 'gardenos.yaml');
const sourceDir = join(parent, 'source');
const flags = ['-f', specFile, '--state-dir', stateDir, '--base-port', String(BASE)];
const SOURCE_PASSWORD = 'src-Pa55word';
const FROM = `postgresql://postgres@127.0.0.1:${SOURCE_PORT}/shop`;
/** The source's password reaches gardenos in its environment, never on its command line. */
const WITH_PASSWORD = { env: { PGPASSWORD: SOURCE_PASSWORD } };
let password = '';

/** PostgreSQL refuses root: run the source cluster's tools as `postgres` when we are root. */
function asPg(bin: string, args: string[]): void {
  const root = process.getuid?.() === 0;
  const user = root ? execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim() : undefined;
  execFileSync(join(PG_BIN, bin), args, {
    stdio: 'ignore',
    ...(user
      ? { uid: Number(user), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()) }
      : {}),
  });
}

async function source(sql: string, db = 'shop'): Promise<pg.QueryResultRow[]> {
  const c = new pg.Client({
    host: '127.0.0.1',
    port: SOURCE_PORT,
    user: 'postgres',
    password: SOURCE_PASSWORD,
    database: db,
  });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

describe('migrate from a plain PostgreSQL', { timeout: 180_000 }, () => {
  before(async () => {
    requireStack();
    if (!existsSync(join(PG_BIN, 'initdb')) || !existsSync(join(PG_BIN, 'pg_dump'))) {
      throw new Error(
        `PostgreSQL 15 server binaries are missing in ${PG_BIN}: install with \`sudo apt-get install -y postgresql-15\``,
      );
    }
    mkdirSync(sourceDir, { recursive: true });
    if (process.getuid?.() === 0)
      chownSync(
        sourceDir,
        Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
        Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
      );
    asPg('initdb', ['-D', join(sourceDir, 'data'), '-U', 'postgres', '--auth=trust']);
    asPg('pg_ctl', [
      '-D',
      join(sourceDir, 'data'),
      '-o',
      `-p ${SOURCE_PORT} -k ${sourceDir} -c listen_addresses=127.0.0.1`,
      '-l',
      join(sourceDir, 'log'),
      '-w',
      'start',
    ]);
    await source(`ALTER USER postgres PASSWORD '${SOURCE_PASSWORD}'`, 'postgres');
    await source('CREATE DATABASE shop', 'postgres');
    await source(`CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);
      INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 500) g;
      DELETE FROM items WHERE id > 480;
      CREATE SCHEMA crm;
      CREATE TABLE crm.customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text UNIQUE);
      INSERT INTO crm.customers (email) SELECT 'c' || g || '@example.org' FROM generate_series(1, 42) g;
      CREATE TABLE crm.orders (id serial PRIMARY KEY, customer bigint REFERENCES crm.customers, total numeric);
      INSERT INTO crm.orders (customer, total) SELECT 1 + g % 42, g * 1.5 FROM generate_series(1, 300) g;
      CREATE TABLE empty_table (x int);
      CREATE SEQUENCE invoice_no START 1000; SELECT nextval('invoice_no'), nextval('invoice_no');`);
    writeFileSync(specFile, 'nodes: 1\netcd: { members: 1 }\n');
    const r = await cli(['up', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    password = superuserPassword(stateDir);
  });
  after(async () => {
    await cli(['down', '--purge', '--yes', ...flags]);
    try {
      asPg('pg_ctl', ['-D', join(sourceDir, 'data'), '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already stopped
    }
  });

  test('copies every table and sequence into the primary and reports they match', async () => {
    // Every process's command line, read over and over while migrate (and the pg_dump and pg_restore it
    // starts) runs: the source's password must be in none of them.
    const watch = watchCommandLines();
    const r = await cli(['migrate', '--from', FROM, '--yes', '--json', ...flags], WITH_PASSWORD);
    const commandLines = [...(await watch.stop())];
    // pg_dump may finish between two scans on a small database; migrate itself runs for seconds.
    assert.ok(
      commandLines.some((c) => c.includes('gardenos.js migrate')),
      `the scan saw migrate run (${commandLines.length} command lines)`,
    );
    const leak = commandLines.find((c) => c.includes(SOURCE_PASSWORD));
    assert.equal(leak, undefined, 'the source password is on a command line');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      !r.stdout.includes(SOURCE_PASSWORD) && !r.stderr.includes(SOURCE_PASSWORD),
      'the source password is never printed',
    );
    const report = JSON.parse(r.stdout) as MigrateReport;
    assert.equal(report.createdDatabase, true);
    assert.deepEqual(
      report.comparison.tables.map((t) => [t.name, t.source, t.target, t.ok]),
      [
        ['crm.customers', 42, 42, true],
        ['crm.orders', 300, 300, true],
        ['public.empty_table', 0, 0, true],
        ['public.items', 480, 480, true],
      ],
    );
    assert.deepEqual(
      report.comparison.sequences.map((s) => [s.name, s.target]),
      [
        ['crm.customers_id_seq', '42'],
        ['crm.orders_id_seq', '300'],
        ['public.invoice_no', '1001'],
        ['public.items_id_seq', '500'],
      ],
    );
    const shop = async (sql: string) => {
      const c = new pg.Client({
        host: '127.0.0.1',
        port: BASE,
        user: 'postgres',
        password,
        database: 'shop',
        ssl: sslFor(password),
      });
      await c.connect();
      try {
        return (await c.query(sql)).rows;
      } finally {
        await c.end();
      }
    };
    assert.deepEqual(
      await shop("INSERT INTO items (name) VALUES ('new') RETURNING id"),
      [{ id: 501 }],
      'sequences continue where the source stopped',
    );
    assert.equal(
      (await shop('SELECT sum(total)::text AS s FROM crm.orders'))[0]!.s,
      (await source('SELECT sum(total)::text AS s FROM crm.orders'))[0]!.s,
    );
    assert.ok((await query(BASE, password, "SELECT 1 FROM pg_database WHERE datname = 'shop'")).length === 1);
  });

  test('refuses to write into non-empty target tables without --force, and changes nothing', async () => {
    const r = await cli(['migrate', '--from', FROM, '--yes', ...flags], WITH_PASSWORD);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /TARGET_NOT_EMPTY.*crm\.customers \(42\).*public\.items \(481\).*Nothing was changed/s);
  });

  test('asks before writing, then --force replaces the target with the source again', async () => {
    const asked = await cli(['migrate', '--from', FROM, '--force', ...flags], WITH_PASSWORD);
    assert.equal(asked.code, 2);
    assert.match(asked.stderr, /gardenos migrate will:.*--force: drop and recreate.*CONFIRM_REQUIRED/s);
    const r = await cli(['migrate', '--from', FROM, '--force', '--yes', ...flags], WITH_PASSWORD);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /public\.items\s+480\s+480\s+ok/);
    assert.match(r.stdout, /verified: 4 tables, 4 sequences match/);
  });

  test('a password in --from is refused before anything runs; --password-file must be 0600', async () => {
    const inUrl = await cli([
      'migrate',
      '--from',
      `postgresql://postgres:${SOURCE_PASSWORD}@127.0.0.1:${SOURCE_PORT}/shop`,
      '--yes',
      ...flags,
    ]);
    assert.equal(inUrl.code, 2);
    assert.match(inUrl.stderr, /USAGE.*--from carries a password.*visible to every local user/s);
    assert.ok(!inUrl.stderr.includes(SOURCE_PASSWORD), 'not even the refusal repeats it');
    const file = join(parent, 'source-password');
    writeFileSync(file, `${SOURCE_PASSWORD}\n`, { mode: 0o644 });
    chmodSync(file, 0o644);
    const open = await cli(['migrate', '--from', FROM, '--password-file', file, '--force', '--yes', ...flags]);
    assert.equal(open.code, 2);
    assert.match(open.stderr, /has mode 0644: others can read the password/);
    chmodSync(file, 0o600);
    const ok = await cli(['migrate', '--from', FROM, '--password-file', file, '--force', '--yes', ...flags]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /verified: 4 tables, 4 sequences match/);
  });

  test('a bad URL or an unreachable source is a user error', async () => {
    const bad = await cli(['migrate', '--from', 'mysql://x@y/z', '--yes', ...flags]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /must be a postgresql:\/\/ URL/);
    const down = await cli(
      ['migrate', '--from', `postgresql://postgres@127.0.0.1:${SOURCE_PORT + 1}/shop`, '--yes', ...flags],
      WITH_PASSWORD,
    );
    assert.equal(down.code, 2);
    assert.match(
      down.stderr,
      /MIGRATE_FAILED.*Cannot connect to postgresql:\/\/postgres:\*\*\*\*@127\.0\.0\.1:19251\/shop/s,
    );
    assert.ok(!down.stderr.includes(SOURCE_PASSWORD));
  });
});
