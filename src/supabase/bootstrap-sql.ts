// The Supabase DB bootstrap for plain PostgreSQL: roles, schemas and grants for GoTrue, PostgREST and Storage.
//
// Idempotent by construction: roles are created only when missing (their passwords are set only then, so a
// second run does not rewrite the SCRAM verifiers), attributes are re-asserted with ALTER ROLE, schemas use
// IF NOT EXISTS, and GRANTs of what is already granted change nothing. Passwords never appear in the SQL
// text: the caller puts them in session settings (gardenos.*_password) first, so the same script runs from
// node (bind parameters) and from psql (-v variables) in the Kubernetes Job.

/** Login roles whose passwords the bootstrap needs. */
export const LOGIN_ROLES = ['authenticator', 'supabase_auth_admin', 'supabase_storage_admin'] as const;
export type LoginRole = (typeof LOGIN_ROLES)[number];
export type BootstrapPasswords = Record<LoginRole, string>;

/** The session setting that carries a role's password into the DO block. */
export const passwordSetting = (role: LoginRole) => `gardenos.${role}_password`;

export const BOOTSTRAP_SQL = `-- gardenos Supabase bootstrap (idempotent)
SELECT pg_advisory_xact_lock(hashtext('gardenos-supabase-bootstrap'));

DO $bootstrap$
DECLARE
  r record;
BEGIN
  -- API roles: PostgREST switches to them per request; they never log in.
  FOR r IN SELECT * FROM (VALUES ('anon', 'NOBYPASSRLS'), ('authenticated', 'NOBYPASSRLS'), ('service_role', 'BYPASSRLS')) AS t(name, rls) LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.name) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT %s', r.name, r.rls);
    END IF;
    EXECUTE format('ALTER ROLE %I NOLOGIN NOINHERIT %s', r.name, r.rls);
  END LOOP;

  -- Login roles: the password is set when the role is created, never again here. The two admins get
  -- CREATEROLE as upstream creates them (supabase/auth init_postgres.sh): their migrations grant roles.
  FOR r IN SELECT * FROM (VALUES ('authenticator', 'NOCREATEROLE'), ('supabase_auth_admin', 'CREATEROLE'), ('supabase_storage_admin', 'CREATEROLE')) AS t(name, cr) LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.name) THEN
      EXECUTE format('CREATE ROLE %I LOGIN NOINHERIT NOREPLICATION %s PASSWORD %L', r.name, r.cr,
        current_setting('gardenos.' || r.name || '_password'));
    END IF;
    EXECUTE format('ALTER ROLE %I LOGIN NOINHERIT NOREPLICATION %s', r.name, r.cr);
  END LOOP;
  -- GoTrue's and Storage's migrations run CREATE SCHEMA IF NOT EXISTS, which checks CREATE on the database first.
  EXECUTE format('GRANT CREATE ON DATABASE %I TO supabase_auth_admin, supabase_storage_admin', current_database());
END
$bootstrap$;

-- GoTrue and Storage run their own migrations inside these schemas, as their owners.
CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION supabase_auth_admin;
CREATE SCHEMA IF NOT EXISTS storage AUTHORIZATION supabase_storage_admin;
ALTER SCHEMA auth OWNER TO supabase_auth_admin;
ALTER SCHEMA storage OWNER TO supabase_storage_admin;
ALTER ROLE supabase_auth_admin SET search_path = auth;
ALTER ROLE supabase_storage_admin SET search_path = storage;

-- authenticator may become each API role; Storage switches role per request through authenticator.
GRANT anon, authenticated, service_role TO authenticator;
GRANT authenticator TO supabase_storage_admin;

DO $grants$
BEGIN
  -- GoTrue's migrations grant to the superuser and Storage's DB_SUPER_USER is it: let it act as each role.
  EXECUTE format('GRANT anon, authenticated, service_role, supabase_auth_admin, supabase_storage_admin TO %I', current_user);
END
$grants$;

GRANT USAGE ON SCHEMA auth, storage, public TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
-- Tables the superuser creates in public are reachable by the API roles; row level security decides rows.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
`;

/** The environment variable each login role's password reaches the bootstrap Job in (from its Secret). */
export const BOOTSTRAP_PASSWORD_ENV = {
  authenticator: 'AUTHENTICATOR_PASSWORD',
  supabase_auth_admin: 'AUTH_ADMIN_PASSWORD',
  supabase_storage_admin: 'STORAGE_ADMIN_PASSWORD',
} as const satisfies Record<(typeof LOGIN_ROLES)[number], string>;

/**
 * The script psql runs in the Kubernetes Job. psql itself reads each password from the environment
 * (\getenv, psql 15+) into a variable, then into a session setting: no password is ever on psql's
 * command line, where any process on the node could read it.
 */
export function psqlBootstrapScript(): string {
  const preamble = LOGIN_ROLES.flatMap((role) => [
    `\\getenv ${role}_password ${BOOTSTRAP_PASSWORD_ENV[role]}`,
    `SELECT set_config('${passwordSetting(role)}', :'${role}_password', false);`,
  ]);
  return ['\\set ON_ERROR_STOP on', ...preamble, 'BEGIN;', BOOTSTRAP_SQL, 'COMMIT;', ''].join('\n');
}

/** What applyBootstrap needs from a database connection (a pg.Client fits). */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** Runs the bootstrap in one transaction on a connection to the primary, as the superuser. */
export async function applyBootstrap(db: Queryable, passwords: BootstrapPasswords): Promise<void> {
  await db.query('BEGIN');
  try {
    for (const role of LOGIN_ROLES) {
      // is_local = true: the passwords vanish with the transaction.
      await db.query('SELECT set_config($1, $2, true)', [passwordSetting(role), passwords[role]]);
    }
    await db.query(BOOTSTRAP_SQL);
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
