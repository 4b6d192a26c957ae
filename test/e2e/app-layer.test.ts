// End to end on the real stack: Supabase bootstrap on `up`, RLS through authenticator, idempotency,
// and the example service under the supervisor: restart on crash, logs, answering across a switchover.
import { listeningInodes, socketInodesOf } from '../../src/runtime/proc-table.js';
import { FAKE_ETCD_TLS } from '../../src/render/k8s/fixtures.js';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { renderK8s } from '../../src/render/k8s/index.js';
import { loadSpec } from '../../src/spec/index.js';
import { applyBootstrap, psqlBootstrapScript, verifyApiKey, type SupabaseSecrets } from '../../src/supabase/index.js';
import {
  caFileOf,
  cli,
  eventually,
  makeStateParent,
  pidAlive,
  processPid,
  query,
  requireStack,
  sslFor,
  superuserPassword,
} from './harness.js';

const BASE = 18000;
const PRIMARY = BASE;
const SERVICE_PORT = 18060;
const ROOT = new URL('../..', import.meta.url).pathname;
const parent = makeStateParent('app');
const stateDir = join(parent, 'garden');
const specFile = join(parent, 'gardenos.yaml');
const flags = ['-f', specFile, '--state-dir', stateDir, '--base-port', String(BASE)];
let password = '';
let supabase: SupabaseSecrets;

writeFileSync(
  specFile,
  `supabase: { enabled: true }
services:
  - name: notes
    command: [node, --import, tsx, examples/notes-api/server.ts]
    cwd: ${ROOT}
    port: ${SERVICE_PORT}
    needs: [primary, replicas]
`,
);

async function as<T>(user: string, pw: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({
    host: '127.0.0.1',
    port: PRIMARY,
    user,
    password: pw,
    database: 'postgres',
    // The platform's CA, known by the superuser's password (read in the first test).
    ssl: sslFor(password),
    connectionTimeoutMillis: 3000,
  });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const api = (path: string, init?: RequestInit) =>
  fetch(`http://127.0.0.1:${SERVICE_PORT}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });

/** Everything the bootstrap decides, including password verifiers: a second run must leave it identical. */
const SNAPSHOT_SQL = `SELECT json_build_object(
  'roles', (SELECT json_agg(row_to_json(r) ORDER BY rolname) FROM (SELECT rolname, rolcanlogin, rolinherit, rolbypassrls, rolreplication, rolcreaterole, rolpassword FROM pg_authid WHERE rolname IN ('anon','authenticated','service_role','authenticator','supabase_auth_admin','supabase_storage_admin')) r),
  'members', (SELECT json_agg(x ORDER BY x) FROM (SELECT pg_get_userbyid(roleid) || '>' || pg_get_userbyid(member) AS x FROM pg_auth_members) m),
  'schemas', (SELECT json_agg(json_build_array(nspname, pg_get_userbyid(nspowner), nspacl::text) ORDER BY nspname) FROM pg_namespace WHERE nspname IN ('auth','storage','public')),
  'defacl', (SELECT json_agg(json_build_array(pg_get_userbyid(defaclrole), defaclnamespace::regnamespace::text, defaclobjtype, defaclacl::text) ORDER BY 1) FROM pg_default_acl),
  'database', (SELECT datacl::text FROM pg_database WHERE datname = current_database()),
  'settings', (SELECT json_agg(json_build_array(setrole::regrole::text, setconfig) ORDER BY 1) FROM pg_db_role_setting)
) AS s`;

/** What a Job's psql gets from its Secret-backed environment: the superuser on the primary, over verify-full TLS. */
function superuserPsqlEnv(): Record<string, string> {
  return {
    PGHOST: '127.0.0.1',
    PGPORT: String(PRIMARY),
    PGDATABASE: 'postgres',
    PGUSER: 'postgres',
    PGPASSWORD: password,
    PGSSLMODE: 'verify-full',
    PGSSLROOTCERT: caFileOf(stateDir),
  };
}

describe('app layer end to end (Supabase bootstrap, services)', { timeout: 300_000 }, () => {
  before(() => requireStack());
  after(async () => {
    await cli(['down', '--purge', '--yes', ...flags]);
  });

  test('up applies the Supabase bootstrap and starts the service; nothing secret is printed', async () => {
    const r = await cli(['up', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /apply the Supabase DB bootstrap/);
    assert.match(r.stderr, /services answer on their health paths/);
    password = superuserPassword(stateDir);
    supabase = JSON.parse(readFileSync(join(stateDir, 'supabase-secrets.json'), 'utf8')) as SupabaseSecrets;
    for (const v of [password, supabase.jwtSecret, supabase.anonKey, ...Object.values(supabase.passwords)]) {
      assert.ok(!r.stdout.includes(v) && !r.stderr.includes(v), 'a secret was printed');
    }
  });

  test('as root, no component runs as root or holds a capability; the service connects as its own role', async () => {
    const status = (pid: number) => {
      const text = readFileSync(`/proc/${pid}/status`, 'utf8');
      const field = (name: string) => text.match(new RegExp(`^${name}:\\s*(.*)$`, 'm'))![1]!.trim();
      return { uids: field('Uid').split(/\s+/).map(Number), capEff: field('CapEff'), capPrm: field('CapPrm') };
    };
    const userOf = (uid: number) =>
      readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .find((l) => l.split(':')[2] === String(uid))
        ?.split(':')[0];
    const runDir = join(stateDir, 'run');
    const seen: Record<string, string> = {};
    for (const file of readdirSync(runDir).filter((f) => f.endsWith('.pid'))) {
      const { pid } = JSON.parse(readFileSync(join(runDir, file), 'utf8')) as { pid: number };
      // The service itself too: the keeper's child (setpriv, which execs the command).
      const children = readdirSync('/proc')
        .filter((e) => /^\d+$/.test(e))
        .filter((e) => {
          try {
            return readFileSync(`/proc/${e}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(pid);
          } catch {
            return false;
          }
        })
        .map(Number);
      // As root the dashboard's collector stays root by design and listens on nothing; its child, the
      // web side that serves the port, is checked like every component (docs/dashboard.md).
      const rootByDesign = file === 'dashboard.pid' && process.getuid?.() === 0;
      if (rootByDesign) {
        const listening = listeningInodes();
        assert.deepEqual(
          [...socketInodesOf(pid)].filter((i) => listening.has(i)),
          [],
          'the dashboard collector holds no listening socket',
        );
        assert.equal(children.length, 1, `the collector has its web side: ${children.join(', ')}`);
      }
      for (const p of rootByDesign ? children : [pid, ...children]) {
        const st = status(p);
        assert.ok(
          st.uids.every((u) => u !== 0),
          `${file} (pid ${p}) runs as uid ${st.uids.join('/')}`,
        );
        assert.equal(st.capEff, '0000000000000000', `${file} (pid ${p}) has effective capabilities`);
        assert.equal(st.capPrm, '0000000000000000', `${file} (pid ${p}) has permitted capabilities`);
      }
      seen[file.replace(/\.pid$/, '')] = userOf(status(rootByDesign ? children[0]! : pid).uids[0]!) ?? '?';
    }
    if (process.getuid?.() === 0) {
      assert.deepEqual(seen, {
        // Its web side; the collector (its parent) is root and listens on nothing.
        dashboard: 'gardenos-dashboard',
        'etcd-etcd1': 'gardenos',
        'etcd-etcd2': 'gardenos',
        'etcd-etcd3': 'gardenos',
        // gardenos's own exporter reads pgBackRest's repository, which is the PostgreSQL user's.
        'gardenos-exporter': 'postgres',
        haproxy: 'gardenos',
        'patroni-pg1': 'postgres',
        'patroni-pg2': 'postgres',
        'patroni-pg3': 'postgres',
        pgbouncer: 'gardenos',
        'postgres-exporter': 'gardenos',
        prometheus: 'gardenos',
        router: 'gardenos',
        'service-notes': 'gardenos-app',
      });
    }
    // The CA's key is readable by none of them.
    assert.equal(statSync(join(stateDir, 'certs', 'ca.key')).uid, process.getuid?.());
    assert.equal(statSync(join(stateDir, 'certs', 'ca.key')).mode & 0o077, 0);
    const post = await api('/notes', { method: 'POST', body: JSON.stringify({ body: 'whoami' }) });
    assert.equal(post.status, 201);
    const sessions = await query<{ usename: string; datname: string; rolsuper: boolean }>(
      PRIMARY,
      password,
      "SELECT a.usename, a.datname, r.rolsuper FROM pg_stat_activity a JOIN pg_roles r ON r.rolname = a.usename WHERE a.application_name = 'notes-api' LIMIT 1",
    );
    assert.deepEqual(sessions, [{ usename: 'app', datname: 'app', rolsuper: false }]);
    const owner = await query<{ owner: string }>(
      PRIMARY,
      password,
      "SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'app'",
    );
    assert.deepEqual(owner, [{ owner: 'app' }]);
  });

  test('the anon and service_role keys are HS256 JWTs signed with the JWT secret', async () => {
    assert.equal((await verifyApiKey(supabase.jwtSecret, supabase.anonKey)).role, 'anon');
    assert.equal((await verifyApiKey(supabase.jwtSecret, supabase.serviceRoleKey)).role, 'service_role');
    const masked = await cli(['secrets', ...flags]);
    assert.equal(masked.code, 0, masked.stderr);
    assert.match(masked.stdout, /Supabase anon key \(JWT\)\s+\*{8}/);
    assert.ok(!masked.stdout.includes(supabase.jwtSecret) && !masked.stdout.includes(supabase.anonKey));
    assert.ok((await cli(['secrets', '--show', ...flags])).stdout.includes(supabase.anonKey));
  });

  test('roles, attributes, schema owners, search paths and CREATE on the database are in place', async () => {
    const roles = await query<{ rolname: string; rolcanlogin: boolean; rolinherit: boolean; rolbypassrls: boolean }>(
      PRIMARY,
      password,
      "SELECT rolname, rolcanlogin, rolinherit, rolbypassrls FROM pg_roles WHERE rolname IN ('anon','authenticated','service_role','authenticator','supabase_auth_admin','supabase_storage_admin') ORDER BY rolname",
    );
    assert.deepEqual(roles, [
      { rolname: 'anon', rolcanlogin: false, rolinherit: false, rolbypassrls: false },
      { rolname: 'authenticated', rolcanlogin: false, rolinherit: false, rolbypassrls: false },
      { rolname: 'authenticator', rolcanlogin: true, rolinherit: false, rolbypassrls: false },
      { rolname: 'service_role', rolcanlogin: false, rolinherit: false, rolbypassrls: true },
      { rolname: 'supabase_auth_admin', rolcanlogin: true, rolinherit: false, rolbypassrls: false },
      { rolname: 'supabase_storage_admin', rolcanlogin: true, rolinherit: false, rolbypassrls: false },
    ]);
    const owners = await query<{ nspname: string; owner: string }>(
      PRIMARY,
      password,
      "SELECT nspname, pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname IN ('auth','storage') ORDER BY 1",
    );
    assert.deepEqual(owners, [
      { nspname: 'auth', owner: 'supabase_auth_admin' },
      { nspname: 'storage', owner: 'supabase_storage_admin' },
    ]);
    const extra = await query<{ r: string; createrole: boolean; dbcreate: boolean }>(
      PRIMARY,
      password,
      "SELECT rolname AS r, rolcreaterole AS createrole, has_database_privilege(rolname, current_database(), 'CREATE') AS dbcreate FROM pg_roles WHERE rolname IN ('authenticator','supabase_auth_admin','supabase_storage_admin') ORDER BY 1",
    );
    assert.deepEqual(extra, [
      { r: 'authenticator', createrole: false, dbcreate: false },
      { r: 'supabase_auth_admin', createrole: true, dbcreate: true },
      { r: 'supabase_storage_admin', createrole: true, dbcreate: true },
    ]);
    const path = await as('supabase_auth_admin', supabase.passwords.supabase_auth_admin, (c) =>
      c.query<{ search_path: string }>('SHOW search_path'),
    );
    assert.equal(path.rows[0]!.search_path, 'auth');
  });

  test('authenticator can become each API role; RLS hides a row from anon but not from service_role', async () => {
    await query(
      PRIMARY,
      password,
      `CREATE TABLE public.rls_notes (id int PRIMARY KEY, visible boolean NOT NULL);
      INSERT INTO public.rls_notes VALUES (1, true), (2, false);
      ALTER TABLE public.rls_notes ENABLE ROW LEVEL SECURITY;
      CREATE POLICY visible_rows ON public.rls_notes FOR SELECT TO anon, authenticated USING (visible)`,
    );
    await as('authenticator', supabase.passwords.authenticator, async (c) => {
      for (const role of ['anon', 'authenticated', 'service_role']) {
        await c.query(`SET ROLE ${role}`);
        assert.equal((await c.query<{ r: string }>('SELECT current_user AS r')).rows[0]!.r, role);
        await c.query('RESET ROLE');
      }
      await c.query('SET ROLE anon');
      assert.deepEqual((await c.query('SELECT id FROM public.rls_notes ORDER BY id')).rows, [{ id: 1 }]);
      await c.query('RESET ROLE');
      await c.query('SET ROLE service_role');
      assert.deepEqual((await c.query('SELECT id FROM public.rls_notes ORDER BY id')).rows, [{ id: 1 }, { id: 2 }]);
      await c.query('RESET ROLE');
      await assert.rejects(c.query('SET ROLE postgres'), /permission denied/);
    });
  });

  test('running the bootstrap a second time changes nothing, password verifiers included', async () => {
    const snap = async () => (await query<{ s: unknown }>(PRIMARY, password, SNAPSHOT_SQL))[0]!.s;
    const before = await snap();
    await as('postgres', password, (c) => applyBootstrap(c, supabase.passwords));
    assert.deepEqual(await snap(), before);
  });

  test("the Kubernetes bootstrap Job's own command (psql with -v variables) runs clean and changes nothing", async () => {
    const spec = loadSpec('k8s: { etcdEndpoints: [etcd:2379] }\nsupabase: { enabled: true }\n', {
      source: 'test',
      defaultStateDir: () => '/x',
    });
    const job = renderK8s({
      spec,
      secrets: {
        postgres: { superuserPassword: password, replicationPassword: '', rewindPassword: '', restapiPassword: '' },
        appPassword: '',
        supabase,
      },
      etcdTls: FAKE_ETCD_TLS,
    })
      .flatMap((c) => c.objects)
      .find((o) => o.kind === 'Job') as unknown as {
      spec: { template: { spec: { containers: { command: string[] }[] } } };
    };
    const script = join(mkdtempSync(join(tmpdir(), 'gardenos-job-')), 'bootstrap.sql');
    writeFileSync(script, psqlBootstrapScript());
    const [psql, ...args] = job.spec.template.spec.containers[0]!.command;
    assert.equal(psql, 'psql', 'psql itself, no shell that would expand passwords into its argv');
    assert.ok(!args.some((a) => /PASSWORD|\$/.test(a)), `no password on the command line: ${args.join(' ')}`);
    const env = {
      PATH: `/usr/lib/postgresql/15/bin:${process.env.PATH ?? ''}`,
      ...superuserPsqlEnv(),
      AUTHENTICATOR_PASSWORD: supabase.passwords.authenticator,
      AUTH_ADMIN_PASSWORD: supabase.passwords.supabase_auth_admin,
      STORAGE_ADMIN_PASSWORD: supabase.passwords.supabase_storage_admin,
    };
    const snap = async () => (await query<{ s: unknown }>(PRIMARY, password, SNAPSHOT_SQL))[0]!.s;
    const before = await snap();
    const run = await new Promise<{ code: number; output: string }>((resolve) =>
      execFile(
        psql!,
        args.map((a) => a.replace('/bootstrap/bootstrap.sql', script)),
        { env, timeout: 30_000 },
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, output: `${stdout}${stderr}` }),
      ),
    );
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /COMMIT/);
    assert.deepEqual(await snap(), before);
  });

  test("the Kubernetes app-role Job's script creates a role and database of its own, twice the same, and refuses a role it did not create", async () => {
    const psqlRun = (sql: string, appPassword: string) => {
      const script = join(mkdtempSync(join(tmpdir(), 'gardenos-app-role-')), 'app-role.sql');
      writeFileSync(script, sql);
      return new Promise<{ code: number; output: string }>((resolve) =>
        execFile(
          '/usr/lib/postgresql/15/bin/psql',
          ['-f', script],
          {
            env: { ...superuserPsqlEnv(), GARDENOS_APP_PASSWORD: appPassword },
            timeout: 60_000,
          },
          (err, stdout, stderr) => resolve({ code: err ? 1 : 0, output: `${stdout}${stderr}` }),
        ),
      );
    };
    const specWith = (app: string) =>
      loadSpec(
        `k8s: { etcdEndpoints: [etcd:2379] }\npostgres: { app: ${app} }\nservices: [{ name: x, image: registry.example.com/x:1.0.0, port: 8080 }]\n`,
        {
          source: 'test',
          defaultStateDir: () => '/x',
        },
      );
    const spec = specWith('{ role: k8sapp, database: k8sapp }');
    const sqlOf = (s: typeof spec, appPassword: string) =>
      (
        renderK8s({
          spec: s,
          secrets: {
            postgres: { superuserPassword: '', replicationPassword: '', rewindPassword: '', restapiPassword: '' },
            appPassword,
          },
          etcdTls: FAKE_ETCD_TLS,
        })
          .flatMap((c) => c.objects)
          .find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'garden-app-role') as unknown as {
          data: Record<string, string>;
        }
      ).data['app-role.sql']!;
    const appPw = 'k8s-app-role-pw-Zx9';
    for (let i = 0; i < 2; i++) {
      const run = await psqlRun(sqlOf(spec, ''), appPw);
      assert.equal(run.code, 0, run.output);
    }
    const role = await query<{ rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean; owner: string }>(
      PRIMARY,
      password,
      "SELECT r.rolsuper, r.rolcreatedb, r.rolcreaterole, pg_get_userbyid(d.datdba) AS owner FROM pg_roles r, pg_database d WHERE r.rolname = 'k8sapp' AND d.datname = 'k8sapp'",
    );
    assert.deepEqual(role, [{ rolsuper: false, rolcreatedb: false, rolcreaterole: false, owner: 'k8sapp' }]);
    // The role logs in with the password from the environment, into its own database.
    const c = new pg.Client({
      host: '127.0.0.1',
      port: PRIMARY,
      user: 'k8sapp',
      password: appPw,
      database: 'k8sapp',
      ssl: sslFor(password),
      connectionTimeoutMillis: 3000,
    });
    await c.connect();
    await c.end();
    // A role someone else made (no gardenos comment on it): refused, and nothing about it changes.
    await query(PRIMARY, password, 'DROP ROLE IF EXISTS notours');
    await query(PRIMARY, password, 'CREATE ROLE notours NOLOGIN');
    const foreign = await psqlRun(sqlOf(specWith('{ role: notours, database: k8sapp }'), ''), appPw);
    assert.equal(foreign.code, 1);
    assert.match(foreign.output, /the role notours \(postgres.app.role\) exists and gardenos did not create it/);
    const after = await query<{ rolcanlogin: boolean }>(
      PRIMARY,
      password,
      "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'notours'",
    );
    assert.deepEqual(after, [{ rolcanlogin: false }]);
  });

  test('the service writes through the primary and reads through the replicas; logs show it', async () => {
    const before = (
      await eventually(
        async () => (await (await api('/notes')).json()) as { count: number },
        (v) => typeof v.count === 'number',
      )
    ).count;
    const post = await api('/notes', { method: 'POST', body: JSON.stringify({ body: 'first' }) });
    assert.equal(post.status, 201);
    await eventually(
      async () => (await (await api('/notes')).json()) as { count: number },
      (v) => v.count === before + 1,
    );
    const logs = await cli(['logs', 'notes', ...flags]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /notes-api listening on 127\.0\.0\.1:18060/);
  });

  test('a crashed service is restarted by its keeper', async () => {
    const { pid } = (await (await api('/health')).json()) as { pid: number };
    process.kill(pid, 'SIGKILL');
    const after = await eventually(
      async () => (await (await api('/health')).json()) as { pid: number },
      (v) => v.pid !== pid,
      20_000,
    );
    assert.ok(!pidAlive(pid) && after.pid !== pid);
    const logs = await cli(['logs', 'notes', ...flags]);
    assert.match(logs.stdout, /exited \(SIGKILL\); restarting in \d+ ms/);
  });

  test('a killed keeper takes its service with it (no orphan on the port), and up restarts both', async () => {
    const keeper = processPid(stateDir, 'service-notes');
    const { pid } = (await (await api('/health')).json()) as { pid: number };
    process.kill(keeper, 'SIGKILL');
    await eventually(
      async () => pidAlive(pid),
      (alive) => !alive,
      10_000,
    );
    const r = await cli(['up', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /restarted service-notes in/);
    const after = (await (await api('/health')).json()) as { pid: number };
    assert.notEqual(after.pid, pid);
  });

  test('the service keeps answering across a switchover, and no acknowledged write is lost', async () => {
    const acked: number[] = [];
    const failures: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const t0 = Date.now();
        const res = await api('/notes', { method: 'POST', body: JSON.stringify({ body: `w${i}` }) }).catch(
          (e: Error) => e,
        );
        if (res instanceof Error || res.status !== 201)
          failures.push(res instanceof Error ? res.message : `HTTP ${res.status}`);
        else acked.push(((await res.json()) as { id: number }).id);
        await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - t0))));
      }
    })();
    // Wait for states, not for times: writes flowing before, and flowing again through the new leader after.
    await eventually(
      async () => acked.length,
      (n) => n >= 10,
      30_000,
    );
    const sw = await cli(['switchover', '--yes', ...flags]);
    const afterSwitch = acked.length;
    await eventually(
      async () => acked.length,
      (n) => n >= afterSwitch + 10,
      30_000,
    );
    writing = false;
    await writer;
    assert.equal(sw.code, 0, sw.stderr);
    assert.deepEqual(failures, [], 'every request was answered with 201');
    assert.ok(acked.length > 20, `only ${acked.length} writes`);
    // The service's own database (postgres.app), where its role created the table.
    const ids = await query<{ id: string }>(
      PRIMARY,
      password,
      'SELECT id FROM notes WHERE id = ANY($1::bigint[])',
      [acked],
      'app',
    );
    assert.equal(ids.length, new Set(acked).size, 'every acknowledged id is on the new primary');
    console.log(
      `# switchover: ${acked.length} writes acknowledged through the service, 0 failed; ${sw.stdout.trim().split('\n')[0]}`,
    );
  });

  test('down stops the service with the rest', async () => {
    const { pid } = (await (await api('/health')).json()) as { pid: number };
    // The platform's supervised processes, the service's keeper among them.
    const running = readdirSync(join(stateDir, 'run')).filter((f) => f.endsWith('.pid')).length;
    const r = await cli(['down', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${running} processes stopped`));
    await eventually(
      async () => pidAlive(pid),
      (alive) => !alive,
      10_000,
    );
  });
});
