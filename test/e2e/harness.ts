// Helpers for end-to-end tests on the real stack: run the CLI, make state dirs, talk to PostgreSQL.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const ROOT = new URL('../..', import.meta.url).pathname;
export const BIN = join(ROOT, 'bin', 'gardenos.js');

const REQUIRED = ['etcd', 'patroni', 'haproxy', 'pgbouncer', 'prometheus', 'prometheus-postgres-exporter'];

/** The real stack must be installed: fail (never skip) with the command that installs it. */
export function requireStack(): void {
  const path = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
  const missing = REQUIRED.filter((b) => {
    try {
      execFileSync('sh', ['-c', `command -v ${b}`], { env: { PATH: path }, stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw new Error(
      `missing ${missing.join(', ')}: install with \`sudo apt-get update && sudo apt-get install -y etcd-server etcd-client patroni haproxy pgbouncer postgresql-15 prometheus prometheus-postgres-exporter\` (or \`npx gardenos setup\`)`,
    );
  }
}

/** A state dir the `postgres` user can enter (mkdtemp makes 0700 dirs). */
export function makeStateParent(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `gardenos-${label}-`));
  chmodSync(dir, 0o755);
  return dir;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * The CA of each platform a test read the password of. Passwords are generated per platform, so the
 * password names the platform, and the helpers below connect over TLS checked by that platform's CA
 * (postgres.tls required is the default) without every call site passing it.
 */
const caByPassword = new Map<string, Buffer>();

export function superuserPassword(stateDir: string): string {
  const password = (JSON.parse(readFileSync(join(stateDir, 'secrets.json'), 'utf8')) as { superuserPassword: string })
    .superuserPassword;
  const caFile = join(stateDir, 'certs', 'ca.crt');
  if (existsSync(caFile)) caByPassword.set(password, readFileSync(caFile));
  return password;
}

/** node-postgres's ssl option for the platform this password belongs to: verify-full by its CA, or plaintext. */
export function sslFor(password: string): pg.ClientConfig['ssl'] {
  const ca = caByPassword.get(password);
  return ca ? { ca } : false;
}

/** The platform's CA file, for clients configured by file (psql, DATABASE_URL). */
export function caFileOf(stateDir: string): string {
  return join(stateDir, 'certs', 'ca.crt');
}

export async function query<T extends pg.QueryResultRow>(
  port: number,
  password: string,
  sql: string,
  params: unknown[] = [],
  database = 'postgres',
): Promise<T[]> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database,
    ssl: sslFor(password),
    connectionTimeoutMillis: 3000,
  });
  client.on('error', () => undefined); // a dropped connection surfaces through the pending query
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** A query as the superuser over a node's Unix socket, which pg_hba's `host` lines do not govern. */
export async function querySocket<T extends pg.QueryResultRow>(
  socketDir: string,
  port: number,
  password: string,
  sql: string,
): Promise<T[]> {
  const client = new pg.Client({
    host: socketDir,
    port,
    user: 'postgres',
    password,
    database: 'postgres',
    connectionTimeoutMillis: 3000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

export async function eventually<T>(fn: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (check(v)) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `condition not met in ${timeoutMs} ms; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
  );
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

export function postmasterPid(stateDir: string, node: string): number {
  return Number(readFileSync(join(stateDir, 'pg', node, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

export function processPid(stateDir: string, id: string): number {
  return (JSON.parse(readFileSync(join(stateDir, 'run', `${id}.pid`), 'utf8')) as { pid: number }).pid;
}

/**
 * Every distinct process command line seen while it runs, read from /proc every few ms: to prove
 * afterwards that no secret (known only once a command created it) was ever on one.
 */
export function watchCommandLines(): { stop(): Promise<Set<string>> } {
  const seen = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const pid of readdirSync('/proc')) {
        if (!/^\d+$/.test(pid)) continue;
        try {
          seen.add(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim());
        } catch {
          // exited while we looked
        }
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}

/** Every value in the platform's secrets.json (passwords of every role). */
export function secretValues(stateDir: string): string[] {
  const s = JSON.parse(readFileSync(join(stateDir, 'secrets.json'), 'utf8')) as Record<string, unknown>;
  return Object.values(s).filter((v): v is string => typeof v === 'string' && v.length >= 8);
}
