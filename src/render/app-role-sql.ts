// The services' own role and database, as SQL both targets run: local `up` through node-postgres, the
// Kubernetes Job through psql. The password reaches the server in a session setting
// (gardenos.app_password), never in a statement's text.
import type { Spec } from '../spec/index.js';
import { appRole } from './topology.js';

/** The comment that marks the role as gardenos's: a role of that name made by someone else is left alone. */
export const APP_ROLE_COMMENT = "gardenos: the services' role";

/** The session setting that carries the password into the role statement. */
export const APP_PASSWORD_SETTING = 'gardenos.app_password';

/** The environment variable the Kubernetes Job's psql reads the password from (\getenv). */
export const APP_PASSWORD_ENV = 'GARDENOS_APP_PASSWORD';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * One transaction's worth: refuses a role of that name gardenos did not create, else creates it or
 * re-asserts it (login, no superuser, database, role, replication or RLS bypass rights) and sets its
 * password from APP_PASSWORD_SETTING.
 */
export function appRoleSql(spec: Spec): string {
  const { role } = appRole(spec);
  return `DO $gardenos$
DECLARE
  marker text := (SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = ${literal(role)});
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('gardenos-app-role'));
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${literal(role)}) THEN
    IF marker IS DISTINCT FROM ${literal(APP_ROLE_COMMENT)} THEN
      RAISE EXCEPTION 'the role % (postgres.app.role) exists and gardenos did not create it', ${literal(role)}
        USING HINT = 'choose another name in postgres.app.role, or drop that role if it is not used';
    END IF;
  ELSE
    CREATE ROLE ${ident(role)} LOGIN;
  END IF;
  ALTER ROLE ${ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
  EXECUTE format('ALTER ROLE %I PASSWORD %L', ${literal(role)}, current_setting(${literal(APP_PASSWORD_SETTING)}));
  COMMENT ON ROLE ${ident(role)} IS ${literal(APP_ROLE_COMMENT)};
END
$gardenos$;`;
}

/** Whether the database exists (one row when it does), for the CREATE DATABASE that cannot run in a transaction. */
export function appDatabaseExistsSql(spec: Spec): string {
  return `SELECT 1 FROM pg_database WHERE datname = ${literal(appRole(spec).database)}`;
}

export function createAppDatabaseSql(spec: Spec): string {
  const { role, database } = appRole(spec);
  return `CREATE DATABASE ${ident(database)} OWNER ${ident(role)}`;
}

/** After the database exists: the role owns it, and no other role (Supabase's, PUBLIC) may even connect. */
export function appDatabaseGrantsSql(spec: Spec): string[] {
  const { role, database } = appRole(spec);
  return [
    `ALTER DATABASE ${ident(database)} OWNER TO ${ident(role)}`,
    `REVOKE ALL ON DATABASE ${ident(database)} FROM PUBLIC`,
  ];
}

/** The whole of it for psql (-f), reading the password from APP_PASSWORD_ENV itself. Idempotent. */
export function psqlAppRoleScript(spec: Spec): string {
  const { role, database } = appRole(spec);
  return [
    '\\set ON_ERROR_STOP on',
    `\\getenv app_password ${APP_PASSWORD_ENV}`,
    `SELECT set_config(${literal(APP_PASSWORD_SETTING)}, :'app_password', false);`,
    'BEGIN;',
    appRoleSql(spec),
    'COMMIT;',
    `SELECT format('CREATE DATABASE %I OWNER %I', ${literal(database)}, ${literal(role)}) WHERE NOT EXISTS (${appDatabaseExistsSql(spec)})`,
    '\\gexec',
    ...appDatabaseGrantsSql(spec).map((s) => `${s};`),
    '',
  ].join('\n');
}
