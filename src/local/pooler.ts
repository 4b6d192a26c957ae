// The local platform's PgBouncer: its files (the infrastructure user's alone), its component, the auth
// role and lookup function on the primary, and the probe that a pooled login works end to end.
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { pgTls } from '../render/topology.js';
import {
  renderPgbouncerHba,
  renderPgbouncerIni,
  renderPgbouncerRoute,
  renderPgbouncerUsers,
  type PgbouncerInput,
} from '../render/pgbouncer.js';
import type { PlatformSecrets } from '../render/index.js';
import { ensureOwnedDir, writeAtomic } from '../runtime/files.js';
import { pgClient, withPg } from '../runtime/pg-session.js';
import type { OsUser } from '../runtime/os-user.js';
import type { Probe } from '../runtime/wait.js';
import type { Reporter } from '../runtime/reporter.js';
import { ensurePoolerAuth, readPoolerAuth } from '../pooler/auth.js';
import { PgbouncerControl } from '../pooler/pause.js';
import { PoolerAdmin } from '../pooler/admin-console.js';
import type { Spec } from '../spec/index.js';
import { localPkiAt } from './certs.js';
import { layoutOf, type Layout } from './layout.js';
import { INFRA_USER, type RunAs } from './run-as.js';
import { localPgSsl } from './server-clients.js';
import type { ComponentSpec } from './supervised-process.js';

/** The OS user PgBouncer runs as: the infrastructure user as root (PgBouncer refuses root), else ours. */
export function poolerOsUser(runAs: RunAs | undefined): string {
  return runAs ? INFRA_USER : userInfo().username;
}

/** Who may use the admin console: PgBouncer's user (the router runs as it) and gardenos's own. */
export function poolerAdminUsers(runAs: RunAs | undefined): string[] {
  return [...new Set([poolerOsUser(runAs), userInfo().username])];
}

export function poolerInput(spec: Spec, layout: Layout, runAs: RunAs | undefined): PgbouncerInput {
  const tls = pgTls(spec);
  const files = localPkiAt(layout.certsDir).files('pgbouncer');
  return {
    spec,
    listenAddress: spec.local.bindAddress,
    adminUsers: poolerAdminUsers(runAs),
    files: {
      routeFile: layout.pgbouncerRouteFile,
      hbaFile: `${layout.pgbouncerDir}/hba.conf`,
      usersFile: `${layout.pgbouncerDir}/users.txt`,
      socketDir: layout.pgbouncerDir,
      ...(tls === 'off' ? {} : { tls: { ...files, mode: tls === 'required' ? 'require' : 'prefer' } }),
    },
  };
}

/** The console as gardenos itself reaches it (peer auth as the invoking user). */
export function localPoolerAdmin(spec: Spec, layout: Layout, timeoutMs = 2000): PoolerAdmin {
  return new PoolerAdmin({ socketDir: layout.pgbouncerDir, port: spec.pooler.port }, timeoutMs);
}

/** Writes PgBouncer's files; the route file only when missing (the router owns it from then on). */
export function writePoolerConfigs(spec: Spec, layout: Layout, runAs: RunAs | undefined): void {
  const owner: OsUser | undefined = runAs?.infra;
  const input = poolerInput(spec, layout, runAs);
  ensureOwnedDir(layout.pgbouncerDir, 0o700, owner);
  writeAtomic(layout.pgbouncerConfig, renderPgbouncerIni(input), 0o600, owner);
  writeAtomic(input.files.hbaFile, renderPgbouncerHba(input), 0o600, owner);
  writeAtomic(input.files.usersFile, renderPgbouncerUsers(input), 0o600, owner);
  if (!existsSync(layout.pgbouncerRouteFile)) {
    writeAtomic(layout.pgbouncerRouteFile, renderPgbouncerRoute(null), 0o644, owner);
  }
}

export function buildPoolerComponent(
  spec: Spec,
  layout: Layout,
  pgbouncer: string,
  env: Record<string, string>,
  user: OsUser | undefined,
): ComponentSpec[] {
  if (!spec.pooler.enabled) return [];
  return [
    {
      id: 'pgbouncer',
      kind: 'pgbouncer',
      member: 'pgbouncer',
      pidFile: layout.pidFile('pgbouncer'),
      ports: [spec.pooler.port],
      launch: {
        // In the foreground, so the pid we record is PgBouncer's and its log reaches our log file.
        command: pgbouncer,
        args: [layout.pgbouncerConfig],
        env: { ...env, HOME: layout.pgbouncerDir },
        cwd: layout.pgbouncerDir,
        logFile: layout.logFile('pgbouncer'),
        ...(user ? { user: { uid: user.uid, gid: user.gid } } : {}),
      },
    },
  ];
}

/** The auth role, and the lookup function in every database (idempotent; through the primary). */
export async function ensureLocalPoolerAuth(spec: Spec, secrets: PlatformSecrets): Promise<string> {
  const ssl = localPgSsl(spec);
  return ensurePoolerAuth((database) =>
    pgClient(spec, secrets, spec.haproxy.primaryPort, 30_000, { ...ssl, database }),
  );
}

/** Recreates PgBouncer's auth role and function only where they are missing; says what it did, if anything. */
export async function repairPoolerAuth(spec: Spec, secrets: PlatformSecrets, reporter: Reporter): Promise<void> {
  const ssl = localPgSsl(spec);
  const state = await readPoolerAuth((database, fn) =>
    withPg(spec, secrets, spec.haproxy.primaryPort, fn, { ...ssl, database }),
  );
  if (state.role === 'ok' && state.databasesWithout.length === 0) return;
  const done = reporter.step("PgBouncer's auth_query role");
  const what = [
    ...(state.role === 'ok' ? [] : [`the role (${state.role})`]),
    ...(state.databasesWithout.length > 0 ? [`the lookup in ${state.databasesWithout.join(', ')}`] : []),
  ];
  await ensureLocalPoolerAuth(spec, secrets);
  done(`recreated ${what.join(' and ')}`);
}

/** A pooled login as the services' role works: PgBouncer routed, auth_query answered, TLS if required. */
export function pooledLoginProbe(
  spec: Spec,
  secrets: PlatformSecrets & { appPassword: string },
  role: string,
  database: string,
): Probe {
  return async () => {
    const { default: driver } = await import('pg');
    const ssl = localPgSsl(spec);
    const c = new driver.Client({
      host: spec.local.bindAddress,
      port: spec.pooler.port,
      user: role,
      password: secrets.appPassword,
      database,
      connectionTimeoutMillis: 2000,
      query_timeout: 2000,
      ...(ssl.ca ? { ssl: { ca: ssl.ca } } : {}),
    });
    c.on('error', () => undefined);
    try {
      await c.connect();
      const r = await c.query<{ ro: string }>("SELECT current_setting('transaction_read_only') AS ro");
      return r.rows[0]?.ro === 'off' ? undefined : 'PgBouncer reaches a read-only server';
    } catch (err) {
      return `a pooled login as ${role} fails: ${(err as Error).message}`;
    } finally {
      await c.end().catch(() => undefined);
    }
  };
}

/** The pause and route view of the local PgBouncer, for planned switchovers (undefined: no pooler). */
export function localPoolerControl(spec: Spec): PgbouncerControl | undefined {
  if (!spec.pooler.enabled) return undefined;
  const layout = layoutOf(spec.local.stateDir);
  const members = spec.nodes.map((n) => ({ name: n.name, host: layout.pgSocketDir, port: n.pgPort }));
  return new PgbouncerControl(localPoolerAdmin(spec, layout), members);
}
