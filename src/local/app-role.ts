// The services' own role and database on the local platform: a login role with no superuser, database,
// role or replication rights, owner of the app database; its password in a file only the services' user
// can read. Services get this role's URL, never the superuser's.
import type { Spec } from '../spec/index.js';
import {
  APP_PASSWORD_SETTING,
  APP_ROLE_COMMENT,
  appDatabaseExistsSql,
  appDatabaseGrantsSql,
  appRole,
  appRoleSql,
  createAppDatabaseSql,
  type PlatformSecrets,
} from '../render/index.js';
import { GardenError } from '../errors.js';
import { chownSync } from 'node:fs';
import { ensureOwnedDir, pgClient, writeAtomic, type OsUser } from '../runtime/index.js';
import type { Layout } from './layout.js';
import { localPgSsl } from './server-clients.js';

/** Creates or re-asserts the role and database (idempotent, through the primary as the superuser). */
export async function ensureAppRole(
  spec: Spec,
  layout: Layout,
  secrets: PlatformSecrets & { appPassword: string },
  serviceUser: OsUser | undefined,
): Promise<string> {
  const { role, database } = appRole(spec);
  // CREATE DATABASE waits for a checkpoint: far longer than a query's usual two seconds on a busy machine.
  const c = await pgClient(spec, secrets, spec.haproxy.primaryPort, 60_000, localPgSsl(spec));
  c.on('error', () => undefined);
  await c.connect();
  try {
    const theirs = await c.query<{ comment: string | null }>(
      "SELECT shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1",
      [role],
    );
    if (theirs.rows.length > 0 && theirs.rows[0]!.comment !== APP_ROLE_COMMENT) {
      throw new GardenError(
        'CLUSTER_STATE',
        `The role "${role}" (postgres.app.role) already exists and gardenos did not create it, so it will not take it over for the services.`,
        { hint: 'choose another name in postgres.app.role, or drop that role if it is not used' },
      );
    }
    await c.query('BEGIN');
    try {
      // is_local = true: the password vanishes with the transaction.
      await c.query('SELECT set_config($1, $2, true)', [APP_PASSWORD_SETTING, secrets.appPassword]);
      await c.query(appRoleSql(spec));
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    // CREATE DATABASE cannot run in a transaction; a second `up` finds it.
    if ((await c.query(appDatabaseExistsSql(spec))).rows.length === 0) await c.query(createAppDatabaseSql(spec));
    for (const sql of appDatabaseGrantsSql(spec)) await c.query(sql);
  } finally {
    await c.end().catch(() => undefined);
  }
  ensureOwnedDir(layout.servicesDir, 0o700, serviceUser);
  writeAtomic(layout.appPasswordFile, secrets.appPassword + '\n', 0o600, serviceUser);
  if (serviceUser) chownSync(layout.appPasswordFile, serviceUser.uid, serviceUser.gid);
  return `role ${role} (no superuser) owns database ${database}`;
}
