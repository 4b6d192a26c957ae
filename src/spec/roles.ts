// PostgreSQL role names that gardenos, Supabase and PostgreSQL itself reserve: one list, read by the rules and renderers.

/** Fixed role and user names gardenos creates through Patroni; only their passwords are secret. */
export const ROLE_NAMES = {
  replication: 'replicator',
  rewind: 'rewind_user',
  restapi: 'gardenos',
  // PgBouncer's auth_user: it may only call the lookup function, and logs in over the socket by peer auth.
  pooler: 'gardenos_pooler',
  // The PostgreSQL exporter's role: pg_monitor only, peer auth over the socket from the exporter's OS user.
  monitor: 'gardenos_monitor',
} as const;

/** Roles the Supabase bootstrap creates (supabase_admin is upstream's own superuser name). */
export const SUPABASE_ROLE_NAMES = [
  'anon',
  'authenticated',
  'service_role',
  'authenticator',
  'supabase_auth_admin',
  'supabase_storage_admin',
  'supabase_admin',
] as const;

/** Names PostgreSQL refuses for a new role (CREATE ROLE public fails; pg_* is reserved for built-in roles). */
export const POSTGRES_RESERVED_ROLE_NAMES = ['public', 'none', 'current_user', 'session_user', 'current_role'] as const;
