// PgBouncer's auth role and its lookup function, made (idempotently) through the primary by the
// superuser, on either target: the role once, the function in every database that takes connections.
import type pg from 'pg';
import { POOLER_LOOKUP } from '../render/pgbouncer.js';
import { POOLER_DATABASES_SQL, poolerLookupSql, poolerRoleSql } from '../render/pooler-auth-sql.js';
import { ROLE_NAMES } from '../spec/roles.js';

const ROLE = ROLE_NAMES.pooler;

/** Opens a superuser session on the primary in one database; the caller ends it. */
export type PrimarySession = (database: string) => Promise<pg.Client>;

export async function ensurePoolerAuth(open: PrimarySession): Promise<string> {
  const databases = await within(open, 'postgres', async (c) => {
    await c.query(poolerRoleSql());
    return (await c.query<{ datname: string }>(POOLER_DATABASES_SQL)).rows.map((r) => r.datname);
  });
  for (const database of databases) {
    await within(open, database, async (c) => {
      for (const sql of poolerLookupSql(database)) await c.query(sql);
    });
  }
  return `auth_query through ${databases.length} databases`;
}

async function within<T>(open: PrimarySession, database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await open(database);
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Whether PgBouncer's auth_query can work: its role logs in, and its function is in every database. */
export interface PoolerAuthState {
  role: 'ok' | 'missing' | 'cannot-login';
  /** Databases that take connections but have no lookup function PgBouncer's role may call. */
  databasesWithout: string[];
}

/** A superuser session in one database, closed after fn (PlatformAccess.withPg, or the local equivalent). */
export type DatabaseSession = <T>(database: string, fn: (c: pg.Client) => Promise<T>) => Promise<T>;

export async function readPoolerAuth(session: DatabaseSession): Promise<PoolerAuthState> {
  const { role, databases } = await session('postgres', async (c) => {
    const r = await c.query<{ rolcanlogin: boolean }>('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [ROLE]);
    const d = await c.query<{ datname: string }>(POOLER_DATABASES_SQL);
    return {
      role: r.rows.length === 0 ? 'missing' : r.rows[0]!.rolcanlogin ? 'ok' : 'cannot-login',
      databases: d.rows.map((x) => x.datname),
    } as const;
  });
  const databasesWithout: string[] = [];
  for (const database of databases) {
    const callable = await session(database, async (c) => {
      const r = await c.query<{ ok: boolean }>(
        `SELECT to_regprocedure($1) IS NOT NULL
           AND (NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) OR has_function_privilege($2, $1, 'EXECUTE')) AS ok`,
        [`${POOLER_LOOKUP}(text)`, ROLE],
      );
      return r.rows[0]?.ok === true;
    });
    if (!callable) databasesWithout.push(database);
  }
  return { role, databasesWithout };
}
