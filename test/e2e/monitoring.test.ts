// Monitoring on the real stack: Prometheus scrapes every component, and each alert rule fires when its
// fault is injected into a running platform (and clears when the fault is gone); status and doctor show them;
// Alertmanager posts one of them, and its end, to a webhook.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runtimeCommand } from '../../src/haproxy/index.js';
import {
  cli,
  eventually,
  makeStateParent,
  postmasterPid,
  processPid,
  query,
  querySocket,
  requireStack,
} from './harness.js';
import { superuserPassword } from './harness.js';

const BASE = 21000;
const PROMETHEUS = `http://127.0.0.1:${BASE + 6}`;
/** Where Alertmanager posts (outside the platform's 50 ports). */
const HOOK_PORT = 21090;
/** Every webhook post Alertmanager made, in order. */
const posts: WebhookPost[] = [];
let hook: Server | undefined;

interface WebhookPost {
  status: 'firing' | 'resolved';
  alerts: { status: string; labels: Record<string, string> }[];
}

/** A post that carries `alertname` of `member` in `state`. */
const posted = (alertname: string, member: string, state: 'firing' | 'resolved') =>
  posts.some((p) =>
    p.alerts.some((a) => a.status === state && a.labels.alertname === alertname && a.labels.member === member),
  );
const parent = makeStateParent('monitoring');
const stateDir = join(parent, 'garden');
const specFile = join(parent, 'gardenos.yaml');
const flags = ['-f', specFile, '--state-dir', stateDir, '--base-port', String(BASE)];
// The data dirs live on a tmpfs of their own, so "disk nearly full" is a real full disk, not a threshold trick.
const TMPFS_MB = 1500;
let mounted = false;
let password = '';
const paused = new Set<number>();

interface Alert {
  labels: Record<string, string>;
  state: string;
}

async function alerts(): Promise<Alert[]> {
  const res = await fetch(`${PROMETHEUS}/api/v1/alerts`, { signal: AbortSignal.timeout(2000) });
  return ((await res.json()) as { data: { alerts: Alert[] } }).data.alerts;
}
const firing = async () =>
  new Set(
    (await alerts())
      .filter((a) => a.state === 'firing')
      .map((a) => a.labels.alertname!)
      .sort(),
  );
const show = (s: Set<string>) => [...s].join(', ') || 'none';

/** Waits until every one of `names` fires (generous: a busy machine scrapes late). */
async function untilFiring(...names: string[]): Promise<Set<string>> {
  return eventually(firing, (s) => names.every((n) => s.has(n)), 90_000);
}
/** Waits until none of `names` fires any more. */
async function untilClear(...names: string[]): Promise<void> {
  await eventually(firing, (s) => names.every((n) => !s.has(n)), 120_000);
}

function signal(pid: number, sig: 'SIGSTOP' | 'SIGCONT' | 'SIGKILL' | 'SIGINT'): void {
  process.kill(pid, sig);
  if (sig === 'SIGSTOP') paused.add(pid);
  if (sig === 'SIGCONT' || sig === 'SIGKILL') paused.delete(pid);
}

interface Status {
  health: string;
  postgres: { leader: string | null; members: { name: string; role: string; state: string; port: number }[] };
  monitoring: { reachable: boolean; firingAlerts: { name: string }[] } | null;
  endpoints: { prometheus?: string; dashboard?: string; alertmanager?: string };
}
async function status(): Promise<Status> {
  const r = await cli(['status', '--json', ...flags]);
  return JSON.parse(r.stdout) as Status;
}
const healthy = () => eventually(status, (s) => s.health === 'healthy', 120_000);

/** A streaming replica that is not the synchronous standby: stopping its replay delays no commit. */
async function asyncReplica(): Promise<{ name: string; port: number }> {
  const s = await eventually(
    status,
    (v) => v.health === 'healthy' && v.postgres.members.some((m) => m.role === 'replica'),
  );
  const m = s.postgres.members.find((x) => x.role === 'replica')!;
  return { name: m.name, port: m.port };
}

/** The startup (recovery) process of a standby: the postmaster's child whose title says so. */
function startupProcess(node: string): number {
  const postmaster = postmasterPid(stateDir, node);
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const ppid = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1];
      if (Number(ppid) !== postmaster) continue;
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('startup')) return Number(pid);
    } catch {
      // gone while we looked
    }
  }
  throw new Error(`no startup process under ${node}'s postmaster ${postmaster}`);
}

describe('monitoring end to end: every alert rule fires on its fault', { timeout: 1_500_000 }, () => {
  before(async () => {
    requireStack();
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_MB}m,mode=0755`, 'gardenos-monitoring-test', parent]);
    mounted = true;
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        posts.push(JSON.parse(body) as WebhookPost);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook!.listen(HOOK_PORT, '127.0.0.1', r));
    writeFileSync(
      specFile,
      [
        'backup: { enabled: true }',
        'monitoring:',
        '  scrapeIntervalS: 2',
        '  alerts: { forS: 2, replicaLagBytes: 1048576 }',
        `  alertmanager: { enabled: true, webhooks: ["http://127.0.0.1:${HOOK_PORT}/hook"], groupWaitS: 1, groupIntervalS: 2 }`,
        '',
      ].join('\n'),
    );
    const r = await cli(['up', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    password = superuserPassword(stateDir);
  });
  after(async () => {
    for (const pid of paused) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    await cli(['down', '--purge', '--yes', ...flags]);
    hook?.close();
    if (mounted) execFileSync('umount', [parent]);
    rmSync(parent, { recursive: true, force: true });
  });

  test('up waits until Prometheus scrapes every component; status names Prometheus and the dashboard', async () => {
    const res = await fetch(`${PROMETHEUS}/api/v1/targets?state=active`);
    const body = (await res.json()) as { data: { activeTargets: { labels: { job: string }; health: string }[] } };
    const jobs = [...new Set(body.data.activeTargets.map((t) => t.labels.job))].sort();
    assert.deepEqual(jobs, ['etcd', 'gardenos', 'haproxy', 'patroni', 'postgres', 'router']);
    const s = await status();
    assert.equal(s.endpoints.prometheus, PROMETHEUS);
    assert.equal(s.endpoints.dashboard, `http://127.0.0.1:${BASE + 7}/`);
    assert.equal(s.endpoints.alertmanager, `http://127.0.0.1:${BASE + 9}/`);
    // Prometheus sends to the Alertmanager up started, and finds it.
    const am = await fetch(`${PROMETHEUS}/api/v1/alertmanagers`);
    const active = (await am.json()) as { data: { activeAlertmanagers: { url: string }[] } };
    assert.deepEqual(
      active.data.activeAlertmanagers.map((a) => a.url),
      [`http://127.0.0.1:${BASE + 9}/api/v2/alerts`],
    );
    assert.equal(s.monitoring?.reachable, true);
  });

  test('BackupTooOld fires while there is no backup, and clears after `gardenos backup`', async () => {
    await untilFiring('BackupTooOld');
    const r = await cli(['backup', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    await untilClear('BackupTooOld');
    // A healthy platform with a backup fires nothing at all.
    await eventually(firing, (s) => s.size === 0, 120_000);
  });

  test('RouterDown and HaproxyPrimaryNoServer: a stopped router, a primary backend with no server UP; status and doctor show them', async () => {
    const leader = (await healthy()).postgres.leader!;
    const router = processPid(stateDir, 'router');
    signal(router, 'SIGSTOP');
    const socket = join(stateDir, 'haproxy', 'admin.sock');
    await runtimeCommand(socket, `set server primary/${leader} state maint`);
    try {
      const now = await untilFiring('RouterDown', 'HaproxyPrimaryNoServer');
      const s = await status();
      assert.notEqual(s.health, 'healthy');
      const shown = new Set(s.monitoring?.firingAlerts.map((a) => a.name));
      assert.ok(shown.has('RouterDown') && shown.has('HaproxyPrimaryNoServer'), `status shows ${show(shown)}`);
      const d = await cli(['doctor', '--json', ...flags]);
      const findings = (JSON.parse(d.stdout) as { findings: { id: string; title: string }[] }).findings;
      const titles = findings.filter((f) => f.id === 'monitoring.alerts').map((f) => f.title);
      assert.ok(
        titles.some((t) => t.startsWith('alert RouterDown is firing')),
        `doctor: ${titles.join('; ')} (Prometheus: ${show(now)})`,
      );
    } finally {
      // Undone whatever failed above, or every later case starts on a platform without a primary route.
      await runtimeCommand(socket, `set server primary/${leader} state ready`);
      signal(router, 'SIGCONT');
    }
    await untilClear('RouterDown', 'HaproxyPrimaryNoServer');
  });

  test('EtcdMemberDown: one stopped member (quorum kept, so no EtcdNoQuorum); Alertmanager posts it to the webhook, then its end', async () => {
    await healthy();
    const etcd3 = processPid(stateDir, 'etcd-etcd3');
    signal(etcd3, 'SIGSTOP');
    const t0 = Date.now();
    const now = await untilFiring('EtcdMemberDown');
    assert.ok(!now.has('EtcdNoQuorum'), `firing: ${show(now)}`);
    await eventually(
      async () => posted('EtcdMemberDown', 'etcd3', 'firing'),
      (x) => x,
      60_000,
    );
    const postedS = (Date.now() - t0) / 1000;
    signal(etcd3, 'SIGCONT');
    const t1 = Date.now();
    await untilClear('EtcdMemberDown');
    await eventually(
      async () => posted('EtcdMemberDown', 'etcd3', 'resolved'),
      (x) => x,
      60_000,
    );
    console.log(
      `etcd3 stopped: EtcdMemberDown posted to the webhook ${postedS.toFixed(1)} s later; resolved posted ${((Date.now() - t1) / 1000).toFixed(1)} s after it resumed`,
    );
  });

  test('PostgresExporterDown: the postgres exporter stopped, and nothing else fires for it', async () => {
    await healthy();
    const exporter = processPid(stateDir, 'postgres-exporter');
    signal(exporter, 'SIGSTOP');
    try {
      const now = await untilFiring('PostgresExporterDown');
      for (const other of ['RouterDown', 'EtcdMemberDown', 'PatroniNoLeader', 'ReplicaNotStreaming']) {
        assert.ok(!now.has(other), `firing: ${show(now)}`);
      }
    } finally {
      signal(exporter, 'SIGCONT');
    }
    await untilClear('PostgresExporterDown');
  });

  test('EtcdNoQuorum, RouterWatchErrors and PatroniNoLeader: every etcd member killed; `up` brings them back', async () => {
    await healthy();
    for (const m of ['etcd1', 'etcd2', 'etcd3']) signal(processPid(stateDir, `etcd-${m}`), 'SIGKILL');
    // Without the DCS the leader cannot renew its lock and demotes itself (Patroni's retry_timeout).
    await untilFiring('EtcdNoQuorum', 'RouterWatchErrors', 'PatroniNoLeader');
    const r = await cli(['up', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    await untilClear('EtcdNoQuorum', 'EtcdMemberDown', 'RouterWatchErrors', 'PatroniNoLeader');
  });

  test('ReplicaLagHigh: a replica whose replay is stopped while the primary writes', async () => {
    const replica = await asyncReplica();
    const startup = startupProcess(replica.name);
    signal(startup, 'SIGSTOP');
    await query(BASE, password, 'CREATE TABLE IF NOT EXISTS lag_fill (id int, pad text)');
    // About 4 MiB of WAL: well over the 1 MiB threshold of this spec.
    await query(BASE, password, "INSERT INTO lag_fill SELECT g, repeat('x', 200) FROM generate_series(1, 15000) g");
    await untilFiring('ReplicaLagHigh');
    signal(startup, 'SIGCONT');
    await untilClear('ReplicaLagHigh');
  });

  test('ReplicaNotStreaming: a replica whose PostgreSQL is stopped (its Patroni paused so it stays down)', async () => {
    const replica = await asyncReplica();
    const patroni = processPid(stateDir, `patroni-${replica.name}`);
    signal(patroni, 'SIGSTOP');
    const postmaster = postmasterPid(stateDir, replica.name);
    signal(postmaster, 'SIGINT'); // fast shutdown
    await untilFiring('ReplicaNotStreaming');
    signal(patroni, 'SIGCONT'); // Patroni starts its PostgreSQL again
    await untilClear('ReplicaNotStreaming');
  });

  test('WalArchivingFailing: a repository archive-push cannot write to', async () => {
    await healthy();
    const archive = join(stateDir, 'backup', 'repo', 'archive');
    // One segment switch each way: the archiver retries by itself, and every switch keeps a 16 MiB
    // segment in pg_wal while archiving fails (a loop of them fills the disk).
    const switchWal = async (v: number) => {
      await query(BASE, password, 'CREATE TABLE IF NOT EXISTS archive_fill (id int)');
      await query(BASE, password, 'INSERT INTO archive_fill VALUES ($1)', [v]);
      await query(BASE, password, 'SELECT pg_switch_wal()');
    };
    chmodSync(archive, 0o000);
    try {
      await switchWal(1);
      await untilFiring('WalArchivingFailing');
    } finally {
      chmodSync(archive, 0o750);
    }
    // A new segment wakes the archiver, which pushes the backlog and this one.
    await switchWal(2);
    await untilClear('WalArchivingFailing');
  });

  test('DataDiskNearlyFull: the data dirs’ filesystem filled to over 90 %', async () => {
    await healthy();
    const fill = join(stateDir, 'disk-fill');
    const fs = statfsSync(stateDir);
    const size = fs.blocks * fs.bsize;
    const free = fs.bavail * fs.bsize;
    // Leave 5 % free: under the 10 % threshold, and room for PostgreSQL to keep working.
    const bytes = Math.max(0, free - Math.floor(size * 0.05));
    execFileSync('fallocate', ['-l', String(bytes), fill]);
    try {
      await untilFiring('DataDiskNearlyFull');
    } finally {
      rmSync(fill, { force: true });
    }
    await untilClear('DataDiskNearlyFull');
  });

  test('MultiplePrimaries: a replica promoted behind Patroni’s back (split brain)', async () => {
    const replica = await asyncReplica();
    const patroni = processPid(stateDir, `patroni-${replica.name}`);
    // Paused, its Patroni cannot demote the server again; down --purge ends the test platform after.
    signal(patroni, 'SIGSTOP');
    await querySocket(join(stateDir, 'pg', 'sockets'), replica.port, password, 'SELECT pg_promote()');
    await untilFiring('MultiplePrimaries');
    signal(patroni, 'SIGCONT');
  });
});
