// Rules on postgres.parameters and postgres.superuser: what Patroni, pgBackRest and gardenos own or need.
import type { Spec } from './resolve.js';
import type { SpecProblem } from './rules.js';
import { POSTGRES_RESERVED_ROLE_NAMES, ROLE_NAMES, SUPABASE_ROLE_NAMES } from './roles.js';

type Value = string | number | boolean;
type Refusal = { message: string; hint: string };

/** Settings Patroni or gardenos writes itself; a hand-set value fights them and breaks replication or routing. */
const MANAGED: Record<string, string> = {
  port: 'the port comes from nodes[].pgPort (or local.basePort)',
  listen_addresses: 'the address comes from local.bindAddress',
  unix_socket_directories:
    'gardenos puts the socket in its run dir, where pgpass, pgBackRest and gardenos psql look for it',
  data_directory: 'Patroni places the data directory in the state dir',
  hba_file: 'Patroni writes pg_hba from postgres.allowedClientCidrs',
  ident_file: 'Patroni writes and places this file',
  config_file: 'Patroni writes and places postgresql.conf',
  cluster_name: 'Patroni sets it to the node name',
  hot_standby: 'replicas must accept connections for reads and for the HAProxy health checks',
  synchronous_standby_names: 'Patroni sets it from postgres.synchronousMode',
  primary_conninfo: 'Patroni points every standby at the current leader',
  primary_slot_name: 'Patroni creates and assigns the replication slots',
  recovery_target_timeline: "Patroni follows the leader's timeline",
  promote_trigger_file: 'Patroni decides when a standby is promoted',
};

/** WAL archiving and restore are pgBackRest's (backup.enabled); a user command would silently replace it. */
const ARCHIVING = new Set([
  'archive_mode',
  'archive_command',
  'archive_library',
  'restore_command',
  'archive_cleanup_command',
  'recovery_end_command',
]);

/** Names PostgreSQL 13+ no longer knows; a server with them in postgresql.conf does not start. */
const REMOVED: Record<string, string> = {
  wal_keep_segments: 'wal_keep_size (for example 128MB)',
  checkpoint_segments: 'max_wal_size (for example 1GB)',
  standby_mode: 'nothing: Patroni configures standbys itself',
};

const param = (key: string) => ['postgres', 'parameters', key];

export function checkPostgresRules(spec: Spec): SpecProblem[] {
  return [...parameterProblems(spec), ...superuserProblems(spec), ...appRoleProblems(spec)];
}

function parameterProblems(spec: Spec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const seen = new Map<string, string>();
  for (const [key, value] of Object.entries(spec.postgres.parameters)) {
    // PostgreSQL reads parameter names case-insensitively: WAL_LEVEL is wal_level.
    const name = key.toLowerCase();
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push({
        path: param(key),
        message: `"${key}" is the same PostgreSQL setting as "${first}" (names are case-insensitive)`,
        hint: `keep only one of postgres.parameters.${first} and ${key}`,
      });
      continue;
    }
    seen.set(name, key);
    const refusal = refuseParameter(spec, key, value);
    if (refusal) problems.push({ path: param(key), ...refusal });
    else if (key !== name) {
      problems.push({
        path: param(key),
        message: `"${key}" is written in capitals; gardenos merges its own settings by exact name, so it could end up set twice`,
        hint: `write it as ${name}`,
      });
    }
  }
  return problems;
}

function refuseParameter(spec: Spec, key: string, value: Value): Refusal | undefined {
  const name = key.toLowerCase();
  const why =
    MANAGED[name] ??
    (name.startsWith('recovery_target') ? 'gardenos restore sets the recovery target through pgBackRest' : undefined);
  if (why)
    return {
      message: `"${name}" is managed by Patroni and gardenos: ${why}`,
      hint: `remove postgres.parameters.${key}`,
    };
  if (ARCHIVING.has(name)) {
    return {
      message: `"${name}" would replace the WAL archiving and restore that gardenos runs through pgBackRest, and backups would silently stop being restorable`,
      hint: `remove postgres.parameters.${key}; set backup.enabled: true for WAL archiving (and backup.repoPath for where it goes)`,
    };
  }
  if (name in REMOVED)
    return {
      message: `"${name}" does not exist in PostgreSQL 13 and later; the server would refuse to start`,
      hint: `remove it, or use ${REMOVED[name]}`,
    };
  return replicationNeed(spec, name, value);
}

/** Settings gardenos sets for streaming replication and pg_rewind: raising them is fine, lowering below the need is not. */
function replicationNeed(spec: Spec, name: string, value: Value): Refusal | undefined {
  const text = String(value).trim().toLowerCase();
  const nodes = spec.nodes.length;
  switch (name) {
    case 'wal_level':
      return text === 'replica' || text === 'logical'
        ? undefined
        : {
            message: `wal_level "${String(value)}" writes too little WAL for streaming replicas and point-in-time restore`,
            hint: 'use replica (the default gardenos sets) or logical (for logical replication), or remove the setting',
          };
    case 'max_wal_senders':
      // One sender per replica, plus two for a pg_basebackup of a new or rebuilt member.
      return atLeast(
        name,
        value,
        nodes + 1,
        `${nodes - 1} replica${nodes === 2 ? '' : 's'} stream WAL and a rebuilt member needs 2 more`,
      );
    case 'max_replication_slots':
      // Patroni keeps a slot for every other member on the leader.
      return atLeast(name, value, Math.max(1, nodes - 1), `Patroni keeps one slot per replica (${nodes - 1})`);
    case 'wal_log_hints':
      return isOn(value)
        ? undefined
        : {
            message: 'wal_log_hints must stay on: pg_rewind needs it to bring a demoted leader back as a replica',
            hint: 'remove postgres.parameters.wal_log_hints (gardenos sets it on)',
          };
    case 'password_encryption':
      return text === 'scram-sha-256'
        ? undefined
        : {
            message: `password_encryption "${String(value)}" stores passwords that pg_hba (scram-sha-256 only) can never accept, so new roles could not log in`,
            hint: 'remove postgres.parameters.password_encryption (gardenos sets scram-sha-256)',
          };
    case 'synchronous_commit':
      return spec.postgres.synchronousMode && (text === 'off' || text === 'local')
        ? {
            message: `synchronous_commit "${text}" makes commits skip the synchronous standby, so synchronous mode no longer protects them`,
            hint: 'remove synchronous_commit, or set postgres.synchronousMode: false if losing recent commits on failover is acceptable',
          }
        : undefined;
    default:
      return undefined;
  }
}

function atLeast(name: string, value: Value, minimum: number, reason: string): Refusal | undefined {
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(String(value)) ? Number(value) : NaN;
  if (!Number.isInteger(n))
    return {
      message: `${name} must be a whole number, got ${JSON.stringify(value)}`,
      hint: `write a number of at least ${minimum}, or remove it to keep gardenos' 10`,
    };
  if (n >= minimum) return undefined;
  return {
    message: `${name} ${n} is too low: ${reason}`,
    hint: `set it to at least ${minimum}, or remove it to keep gardenos' 10`,
  };
}

/** PostgreSQL's boolean spellings: on, true, yes, 1 and their unique prefixes. */
function isOn(value: Value): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  return ['on', 'true', 'yes', '1', 't', 'y', 'tr', 'tru', 'ye'].includes(text);
}

function superuserProblems(spec: Spec): SpecProblem[] {
  const name = spec.postgres.superuser;
  const path = ['postgres', 'superuser'];
  const hint = 'choose another name, such as postgres or admin';
  if ((Object.values(ROLE_NAMES) as string[]).includes(name)) {
    return [
      {
        path,
        message: `"${name}" is a role gardenos creates for itself (replication, pg_rewind, Patroni REST API); the superuser would be overwritten`,
        hint,
      },
    ];
  }
  if (spec.supabase.enabled && (SUPABASE_ROLE_NAMES as readonly string[]).includes(name)) {
    return [
      { path, message: `"${name}" is a role the Supabase bootstrap creates with its own, narrower rights`, hint },
    ];
  }
  if (name.startsWith('pg_') || (POSTGRES_RESERVED_ROLE_NAMES as readonly string[]).includes(name)) {
    return [
      {
        path,
        message: `"${name}" is reserved by PostgreSQL (pg_* names belong to built-in roles); CREATE ROLE refuses it`,
        hint,
      },
    ];
  }
  return [];
}

/** The services' role must be a role of its own, and their database not one PostgreSQL or gardenos uses. */
function appRoleProblems(spec: Spec): SpecProblem[] {
  const { role, database } = spec.postgres.app;
  const problems: SpecProblem[] = [];
  const rolePath = ['postgres', 'app', 'role'];
  const hint = 'choose another name, such as app or api';
  if (role === spec.postgres.superuser) {
    problems.push({
      path: rolePath,
      message: `"${role}" is the superuser; the services get a role without its rights`,
      hint,
    });
  } else if ((Object.values(ROLE_NAMES) as string[]).includes(role)) {
    problems.push({
      path: rolePath,
      message: `"${role}" is a role gardenos creates for itself (replication, pg_rewind, Patroni REST API)`,
      hint,
    });
  } else if ((SUPABASE_ROLE_NAMES as readonly string[]).includes(role)) {
    problems.push({
      path: rolePath,
      message: `"${role}" is a role the Supabase bootstrap creates with rights of its own`,
      hint,
    });
  } else if (role.startsWith('pg_') || (POSTGRES_RESERVED_ROLE_NAMES as readonly string[]).includes(role)) {
    problems.push({ path: rolePath, message: `"${role}" is reserved by PostgreSQL; CREATE ROLE refuses it`, hint });
  }
  if (['postgres', 'template0', 'template1'].includes(database)) {
    problems.push({
      path: ['postgres', 'app', 'database'],
      message: `"${database}" is a database PostgreSQL makes for itself; the services' database must be owned by their role`,
      hint: 'choose another name, such as app',
    });
  }
  return problems;
}
