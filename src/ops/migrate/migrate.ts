// `gardenos migrate`: pg_dump the source inside an exported snapshot, pg_restore into the primary,
// then compare exact row counts per table and sequence values between the two.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { GardenError, describeCause } from '../../errors.js';
import { layoutOf, localServerCa } from '../../local/index.js';
import type { PlatformSecrets } from '../../render/index.js';
import type { Spec } from '../../spec/index.js';
import { compareInventories, nonEmptyTargets, readInventory, type Comparison, type Inventory } from './inventory.js';
import { libpqEnv, maskedUrl, type PgEndpoint } from './source-url.js';

export interface MigrateOptions {
  spec: Spec;
  secrets: PlatformSecrets;
  pgBinDir: string;
  source: PgEndpoint;
  force: boolean;
  /** Where the dump file lives while it is restored (deleted after success). */
  workDir: string;
  confirm(plan: string[]): Promise<void>;
  onStep(s: string): void;
}

export interface MigrateReport {
  source: string;
  target: string;
  database: string;
  createdDatabase: boolean;
  comparison: Comparison;
  elapsedMs: number;
}

function run(bin: string, args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

async function connect(e: PgEndpoint): Promise<pg.Client> {
  const c = new pg.Client({
    host: e.host,
    port: e.port,
    user: e.user,
    password: e.password,
    database: e.database,
    ...(e.tls ? { ssl: { ca: e.tls.ca } } : {}),
    connectionTimeoutMillis: 5000,
    application_name: 'gardenos-migrate',
  });
  c.on('error', () => undefined);
  try {
    await c.connect();
  } catch (cause) {
    throw new GardenError('MIGRATE_FAILED', `Cannot connect to ${maskedUrl(e)}: ${describeCause(cause)}.`, {
      hint: 'check the URL, that the server runs and that its pg_hba admits this host',
      cause,
    });
  }
  return c;
}

export async function migrate(o: MigrateOptions): Promise<MigrateReport> {
  const t0 = Date.now();
  // The platform's primary, over TLS with its CA when it serves TLS (postgres.tls).
  const server = localServerCa(o.spec, layoutOf(o.spec.local.stateDir).certsDir);
  const target: PgEndpoint = {
    host: o.spec.local.bindAddress,
    port: o.spec.haproxy.primaryPort,
    user: o.spec.postgres.superuser,
    password: o.secrets.superuserPassword,
    database: o.source.database,
    ...(server ? { tls: server } : {}),
  };
  o.onStep(`inventory of ${maskedUrl(o.source)}`);
  const src = await connect(o.source);
  let dumpFile: string | undefined;
  try {
    // The exported snapshot keeps pg_dump and our row counts on exactly the same data.
    await src.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await src.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]!.s;
    const sourceInv = await readInventory(src);
    const admin = await connect({ ...target, database: 'postgres' });
    let exists: boolean;
    try {
      exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [target.database])).rowCount === 1;
    } finally {
      await admin.end();
    }
    const targetInv: Inventory = exists ? await withClient(target, readInventory) : { tables: [], sequences: [] };
    const busy = nonEmptyTargets(sourceInv, targetInv);
    if (busy.length > 0 && !o.force) {
      throw new GardenError(
        'TARGET_NOT_EMPTY',
        `The target database ${target.database} already has rows in ${busy.map((b) => `${b.name} (${b.rows})`).join(', ')}. Nothing was changed.`,
        {
          hint: 'migrate into an empty database, or pass --force to drop and replace the objects the dump contains',
        },
      );
    }
    const rows = sourceInv.tables.reduce((n, t) => n + t.rows, 0);
    await o.confirm([
      `dump database ${o.source.database} from ${maskedUrl(o.source)} (${sourceInv.tables.length} tables, ${rows} rows, ${sourceInv.sequences.length} sequences)`,
      exists
        ? `restore it into the existing database ${target.database} on the primary ${target.host}:${target.port}`
        : `create database ${target.database} on the primary ${target.host}:${target.port} and restore into it`,
      ...(o.force && busy.length > 0
        ? [
            `--force: drop and recreate ${busy.map((b) => b.name).join(', ')} (their ${busy.reduce((n, b) => n + b.rows, 0)} rows are replaced)`,
          ]
        : []),
      'compare row counts per table and sequence values; the source is only read',
    ]);
    if (!exists)
      await withClient({ ...target, database: 'postgres' }, (c) =>
        c.query(`CREATE DATABASE "${target.database.replace(/"/g, '""')}"`),
      );
    mkdirSync(o.workDir, { recursive: true, mode: 0o700 });
    dumpFile = join(o.workDir, `${o.source.database}-${Date.now()}.dump`);
    o.onStep(`pg_dump ${o.source.database}`);
    const dump = await run(
      join(o.pgBinDir, 'pg_dump'),
      ['--format=custom', `--snapshot=${snapshot}`, `--file=${dumpFile}`],
      libpqEnv(o.source),
    );
    if (dump.code !== 0)
      throw new GardenError('MIGRATE_FAILED', `pg_dump failed: ${dump.stderr.trim().split('\n')[0]}`, {
        hint: 'pg_dump must be as new as the source server; read the message above',
        leftBehind: exists ? 'nothing was written' : `the empty database ${target.database} was created on the target`,
      });
    await src.query('COMMIT');
    o.onStep(`pg_restore into ${target.database} on the primary`);
    const restore = await run(
      join(o.pgBinDir, 'pg_restore'),
      [
        '--no-owner',
        '--no-acl',
        ...(o.force ? ['--clean', '--if-exists'] : []),
        `--dbname=${target.database}`,
        dumpFile,
      ],
      libpqEnv(target),
    );
    if (restore.code !== 0) {
      throw new GardenError(
        'MIGRATE_FAILED',
        `pg_restore reported errors: ${restore.stderr
          .trim()
          .split('\n')
          .filter((l) => /error/i.test(l))
          .slice(0, 3)
          .join(' | ')}`,
        {
          hint: 'read the errors; objects the target already has can be replaced with --force',
          leftBehind: `a partial restore in ${target.database}; the dump is kept at ${dumpFile}`,
        },
      );
    }
    o.onStep('verify row counts and sequences');
    const comparison = compareInventories(sourceInv, await withClient(target, readInventory));
    if (!comparison.ok) {
      const bad = [
        ...comparison.tables.filter((t) => !t.ok).map((t) => `${t.name} ${t.source} vs ${String(t.target)}`),
        ...comparison.sequences.filter((s) => !s.ok).map((s) => `${s.name} ${String(s.source)} vs ${String(s.target)}`),
      ];
      throw new GardenError(
        'MIGRATE_FAILED',
        `The target differs from the source after the restore: ${bad.join(', ')}.`,
        {
          hint: 'the source changed during the migration (sequences are not part of the snapshot) or the target already held rows; re-run with --force when writes to the source have stopped',
          leftBehind: `the restored data in ${target.database}; the dump is kept at ${dumpFile}`,
        },
      );
    }
    rmSync(dumpFile, { force: true });
    return {
      source: maskedUrl(o.source),
      target: maskedUrl(target),
      database: target.database,
      createdDatabase: !exists,
      comparison,
      elapsedMs: Date.now() - t0,
    };
  } finally {
    await src.end().catch(() => undefined);
  }
}

async function withClient<T>(e: PgEndpoint, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await connect(e);
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}
