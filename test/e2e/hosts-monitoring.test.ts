// Monitoring on the hosts target, on a 3-host lab of its own: provision installs Prometheus on the first
// haproxy host and the exporters beside each PostgreSQL server; Prometheus then reports every target up
// (Patroni and etcd over TLS, HAProxy, the routers, both exporters on every host); status shows it; one
// etcd member stopped makes EtcdMemberDown fire (and not EtcdNoQuorum), and it clears once the member runs;
// a replica's PostgreSQL stopped makes ReplicaNotStreaming fire; doctor names each firing alert.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, chmodSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { parsePpid, processIds } from '../../src/runtime/proc-table.js';
import { requireBinary } from '../support/processes.js';
import { cli, eventually, requireStack } from './harness.js';

// Its own name and subnet: the other lab tests use 10.213.50 and .60.
const LAB = 'mon1';
const SUBNET = '10.213.90.0/24';
const LAB_DIR = `/var/lib/gardenos-lab/${LAB}`;
const INSTALL =
  'apt-get update && apt-get install -y openssh-server nftables iproute2 etcd-server patroni haproxy pgbouncer postgresql-15 prometheus prometheus-postgres-exporter (or `npx gardenos setup`)';

interface Target {
  labels: { job: string; member: string };
  health: string;
  lastError: string;
}
interface Alert {
  labels: { alertname: string; member?: string };
  state: string;
}

/** A postgres process whose parent is not one: the postmaster. */
function isPostmaster(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = parsePpid(stat);
    const comm = (p: number) => readFileSync(`/proc/${p}/comm`, 'utf8').trim();
    return comm(pid) === 'postgres' && comm(ppid) !== 'postgres';
  } catch {
    return false;
  }
}

describe('monitoring on the hosts target (3-host lab)', { timeout: 900_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'gardenos-e2e-hostmon-'));
  chmodSync(work, 0o755);
  const specFile = join(work, 'gardenos.yaml');
  const stateDir = join(work, 'state');
  const flags = ['-f', specFile, '--state-dir', stateDir];
  let prometheus = '';
  /** A process this test stopped, resumed by after() if an assertion failed first. */
  let stopped: number | undefined;

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${prometheus}${path}`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { status: string; data: T };
    assert.equal(body.status, 'success');
    return body.data;
  };
  const targets = async () => (await api<{ activeTargets: Target[] }>('/api/v1/targets?state=active')).activeTargets;
  const alerts = async () => (await api<{ alerts: Alert[] }>('/api/v1/alerts')).alerts;
  const statusJson = async () => {
    const r = await cli(['status', '--json', ...flags]);
    assert.ok(r.stdout.trim().startsWith('{'), r.stdout + r.stderr);
    return JSON.parse(r.stdout) as {
      health: string;
      problems: string[];
      postgres: { leader: string | null };
      processes: { id: string; kind: string; running: boolean; pid: number | null }[];
      endpoints: { prometheus?: string; dashboard?: string };
      monitoring: { prometheusURL: string; reachable: boolean; firingAlerts: { name: string }[] } | null;
    };
  };

  const doctor = async () => {
    const r = await cli(['doctor', '--json', ...flags]);
    assert.ok(r.stdout.trim().startsWith('{'), r.stdout + r.stderr);
    return JSON.parse(r.stdout) as {
      findings: { id: string; title: string }[];
      checks: { id: string; status: string }[];
    };
  };
  const alertFindings = (report: Awaited<ReturnType<typeof doctor>>) =>
    report.findings
      .filter((f) => f.id === 'monitoring.alerts')
      .map((f) => f.title)
      .join('\n');

  before(async () => {
    requireStack();
    for (const tool of ['sshd', 'nft', 'ip', 'unshare', 'promtool']) requireBinary(tool, INSTALL);
    if (existsSync(join(LAB_DIR, 'manifest.json'))) await cli(['lab', 'down', '--name', LAB, '--yes']);
    const r = await cli(['lab', 'up', '--name', LAB, '--subnet', SUBNET, '--out', specFile]);
    assert.equal(r.code, 0, r.stderr);
    // Scrape and evaluate every 2 s (the least the spec takes) and hold alerts 2 s, so fire and clear take seconds.
    appendFileSync(specFile, 'monitoring:\n  scrapeIntervalS: 2\n  alerts:\n    forS: 2\n');
    const hosts = (parse(readFileSync(specFile, 'utf8')) as { hosts: { name: string; address: string }[] }).hosts;
    assert.equal(hosts[0]!.address, '10.213.90.11');
  });

  after(async () => {
    if (stopped !== undefined) {
      try {
        process.kill(stopped, 'SIGCONT');
      } catch {
        /* already gone */
      }
    }
    if (existsSync(join(LAB_DIR, 'manifest.json'))) await cli(['lab', 'down', '--name', LAB, '--yes']);
    rmSync(work, { recursive: true, force: true });
  });

  it('provision installs monitoring and waits until Prometheus scrapes every target; again makes 0 changes', async () => {
    const t0 = Date.now();
    const first = await cli(['provision', ...flags]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /monitoring: gardenos_monitor \(pg_monitor, peer auth only/);
    const up = /monitoring: Prometheus at (http:\/\/[\d.:]+) scrapes (\d+) targets, every one up/.exec(first.stderr);
    assert.ok(up, first.stderr);
    prometheus = up[1]!;
    assert.equal(prometheus, 'http://10.213.90.11:9090', 'on h1, the first haproxy host, at the default port');
    console.log(`provision from scratch to every target up: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // Prometheus's own view: 3 hosts × Patroni, etcd, HAProxy, router, PostgreSQL exporter, gardenos exporter.
    const list = await targets();
    assert.equal(list.length, 18, JSON.stringify(list.map((t) => t.labels)));
    for (const t of list) assert.equal(t.health, 'up', `${t.labels.job}/${t.labels.member}: ${t.lastError}`);
    const byJob = (job: string) =>
      list
        .filter((t) => t.labels.job === job)
        .map((t) => t.labels.member)
        .sort();
    for (const job of ['patroni', 'etcd', 'haproxy', 'router', 'postgres', 'gardenos'])
      assert.deepEqual(byJob(job), ['h1', 'h2', 'h3'], job);
    // The exporters read what they should: each server by peer auth over its socket, each data dir's disk.
    const query = async (q: string) =>
      (
        await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
          `/api/v1/query?query=${encodeURIComponent(q)}`,
        )
      ).result;
    const pgUp = await eventually(
      () => query('pg_up == 1'),
      (r) => r.length === 3,
      30_000,
    );
    assert.deepEqual(pgUp.map((r) => r.metric.member).sort(), ['h1', 'h2', 'h3']);
    const primaries = await eventually(
      () => query('pg_gardenos_recovery_in_recovery == 0'),
      (r) => r.length > 0,
      30_000,
    );
    assert.equal(primaries.length, 1);
    assert.equal((await query('gardenos_data_dir_free_bytes > 0')).length, 3);

    const again = await cli(['provision', ...flags]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^0 changes: 3 hosts already match the spec/);
  });

  it('status shows Prometheus (endpoints.prometheus, the monitoring row) and no firing alert on a healthy cluster', async () => {
    // No alert firing is a state to wait for: one that a start-up scrape made pending clears by itself.
    const status = await eventually(
      statusJson,
      (s) => s.monitoring?.reachable === true && s.monitoring.firingAlerts.length === 0,
      60_000,
    );
    assert.equal(status.health, 'healthy', JSON.stringify(status.problems));
    assert.equal(status.endpoints.prometheus, prometheus);
    assert.equal((await doctor()).checks.find((c) => c.id === 'monitoring.alerts')?.status, 'ok');
    assert.equal(status.endpoints.dashboard, undefined, 'no dashboard runs on the hosts');
    assert.equal(status.monitoring?.prometheusURL, prometheus);
    const monitoring = status.processes.filter((p) => ['prometheus', 'exporter'].includes(p.kind));
    assert.deepEqual(
      monitoring.map((p) => p.id),
      [
        'gardenos-exporter@h1',
        'gardenos-exporter@h2',
        'gardenos-exporter@h3',
        'gardenos-postgres-exporter@h1',
        'gardenos-postgres-exporter@h2',
        'gardenos-postgres-exporter@h3',
        'gardenos-prometheus@h1',
      ],
    );
    assert.ok(monitoring.every((p) => p.running));
    const text = await cli(['status', ...flags]);
    assert.match(text.stdout, /Monitoring\s+http:\/\/10\.213\.90\.11:9090/);
    const logs = await cli(['logs', 'prometheus', '-n', '1', ...flags]);
    assert.equal(logs.code, 0, logs.stderr);
  });

  it('one etcd member stopped: EtcdMemberDown fires for it (EtcdNoQuorum does not), status lists it, and it clears', async () => {
    const status = await statusJson();
    const etcd = status.processes.find((p) => p.id === 'gardenos-etcd@h3');
    assert.ok(etcd?.running && etcd.pid, JSON.stringify(status.processes));
    const firing = async (name: string) =>
      (await alerts()).filter((a) => a.labels.alertname === name && a.state === 'firing');
    const t0 = Date.now();
    process.kill(etcd.pid, 'SIGSTOP');
    stopped = etcd.pid;
    try {
      const down = await eventually(
        () => firing('EtcdMemberDown'),
        (f) => f.length > 0,
        60_000,
      );
      const fireS = (Date.now() - t0) / 1000;
      assert.deepEqual(
        down.map((a) => a.labels.member),
        ['h3'],
      );
      assert.deepEqual(await firing('EtcdNoQuorum'), [], 'two of three members answer: quorum holds');
      const s = await statusJson();
      assert.ok(
        s.monitoring?.firingAlerts.some((a) => a.name === 'EtcdMemberDown'),
        JSON.stringify(s.monitoring),
      );
      const text = await cli(['status', ...flags]);
      assert.match(text.stdout, /EtcdMemberDown/);
      // doctor reads the same alerts from the monitoring host, each a finding with its fix.
      assert.match(alertFindings(await doctor()), /alert EtcdMemberDown is firing/);
      const t1 = Date.now();
      process.kill(etcd.pid, 'SIGCONT');
      stopped = undefined;
      await eventually(alerts, (a) => !a.some((x) => x.labels.alertname === 'EtcdMemberDown'), 60_000);
      console.log(
        `etcd member h3 stopped: EtcdMemberDown firing after ${fireS.toFixed(1)} s; cleared ${((Date.now() - t1) / 1000).toFixed(1)} s after it resumed`,
      );
    } finally {
      if (stopped !== undefined) process.kill(stopped, 'SIGCONT');
      stopped = undefined;
    }
  });

  it("a replica's PostgreSQL stopped (its Patroni held): ReplicaNotStreaming fires, though that host's exporter still answers; doctor names it; it clears", async () => {
    const status = await eventually(
      statusJson,
      (x) => x.health === 'healthy' && x.monitoring?.firingAlerts.length === 0,
      60_000,
    );
    const leader = status.postgres.leader;
    assert.ok(leader, 'a leader');
    const replica = ['h3', 'h2', 'h1'].find((h) => h !== leader)!;
    const patroni = status.processes.find((p) => p.id === `gardenos-patroni@${replica}`);
    assert.ok(patroni?.running && patroni.pid, JSON.stringify(status.processes));
    // Patroni starts PostgreSQL detached (init adopts the postmaster): found by the host's network namespace.
    const netns = (pid: number) => {
      try {
        return readlinkSync(`/proc/${pid}/ns/net`);
      } catch {
        return undefined; // ended while we looked
      }
    };
    const postmaster = processIds().find((pid) => isPostmaster(pid) && netns(pid) === netns(patroni.pid!));
    assert.ok(postmaster, `a postmaster in the network namespace of Patroni (pid ${patroni.pid}) on ${replica}`);
    const firing = async () =>
      (await alerts()).filter((a) => a.labels.alertname === 'ReplicaNotStreaming' && a.state === 'firing');
    const t0 = Date.now();
    // Patroni held first, so it does not start PostgreSQL again; then PostgreSQL's own fast shutdown.
    process.kill(patroni.pid, 'SIGSTOP');
    stopped = patroni.pid;
    try {
      process.kill(postmaster, 'SIGINT');
      await eventually(firing, (f) => f.length > 0, 90_000);
      const fireS = (Date.now() - t0) / 1000;
      assert.match(alertFindings(await doctor()), /alert ReplicaNotStreaming is firing/);
      const t1 = Date.now();
      process.kill(patroni.pid, 'SIGCONT');
      stopped = undefined;
      await eventually(alerts, (a) => !a.some((x) => x.labels.alertname === 'ReplicaNotStreaming'), 120_000);
      console.log(
        `PostgreSQL on replica ${replica} stopped: ReplicaNotStreaming firing after ${fireS.toFixed(1)} s; cleared ${((Date.now() - t1) / 1000).toFixed(1)} s after Patroni resumed`,
      );
    } finally {
      if (stopped !== undefined) process.kill(stopped, 'SIGCONT');
      stopped = undefined;
    }
  });
});
