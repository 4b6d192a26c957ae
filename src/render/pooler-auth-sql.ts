// The SQL behind PgBouncer's auth_query: a login role that can do nothing but call one SECURITY DEFINER
// function, which returns the SCRAM secret of an ordinary (non-superuser) role. PgBouncer 1.18 runs the
// query in the database the client asked for, so the function is made in every database (and template1,
// for databases made later).
import { ROLE_NAMES } from '../spec/roles.js';
import { POOLER_LOOKUP } from './pgbouncer.js';

const ROLE = ROLE_NAMES.pooler;
const [SCHEMA] = POOLER_LOOKUP.split('.') as [string, string];

/** Cluster-wide, once: the role (no password: it logs in by peer auth over the socket only). */
export function poolerRoleSql(): string {
  return `DO $gardenos$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}') THEN
    CREATE ROLE ${ROLE} LOGIN;
  END IF;
  ALTER ROLE ${ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD NULL;
  COMMENT ON ROLE ${ROLE} IS 'gardenos: PgBouncer auth_query';
END
$gardenos$;`;
}

/** Databases the function must exist in: every one that takes connections, and template1. */
export const POOLER_DATABASES_SQL = 'SELECT datname FROM pg_database WHERE datallowconn ORDER BY datname';

/**
 * In one database: the schema and the function (superusers are never returned, so a pooled client can
 * never log in as one), callable by the auth role only, and CONNECT on the database for it.
 */
export function poolerLookupSql(database: string): string[] {
  const db = `"${database.replace(/"/g, '""')}"`;
  return [
    `CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`,
    `REVOKE ALL ON SCHEMA ${SCHEMA} FROM PUBLIC`,
    `CREATE OR REPLACE FUNCTION ${POOLER_LOOKUP}(i_username text, OUT uname text, OUT phash text)
RETURNS record LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS
$$ SELECT rolname::text, rolpassword::text FROM pg_catalog.pg_authid
   WHERE rolname = i_username AND rolcanlogin AND NOT rolsuper AND NOT rolreplication AND rolname <> '${ROLE}' $$`,
    `REVOKE ALL ON FUNCTION ${POOLER_LOOKUP}(text) FROM PUBLIC`,
    `GRANT USAGE ON SCHEMA ${SCHEMA} TO ${ROLE}`,
    `GRANT EXECUTE ON FUNCTION ${POOLER_LOOKUP}(text) TO ${ROLE}`,
    `GRANT CONNECT ON DATABASE ${db} TO ${ROLE}`,
  ];
}
