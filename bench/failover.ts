// Benchmark: write gap on planned switchover and on a leader crash, for five routing modes, with
// synchronous replication. Each round runs two writers at once (every 10 ms): one through the mode's
// primary endpoint and the ideal client that tries every node directly, so ratios compare the same event.
// Usage: npm run bench:failover [-- --rounds 5]
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  cli,
  eventually,
  makeStateParent,
  postmasterPid,
  processPid,
  query,
  superuserPassword,
} from '../test/e2e/harness.js';
import { missingAcked, Writer } from '../test/e2e/writer.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 5) || 5;
const BIN = new URL('../bin/gardenos.js', import.meta.url).pathname;
const BASE = 17600;

interface Mode {
  key: string;
  name: string;
  spec: string;
  sidecarPollMs?: number;
}
const sync = 'postgres:\n  synchronousMode: true\n';
const MODES: Mode[] = [
  { key: 'router', name: 'gardenos router (etcd watch + HAProxy runtime API)', spec: sync },
  {
    key: 'template',
    name: 'HAProxy checks, Patroni template (inter 3s fall 3 rise 2)',
    spec: `${sync}router:\n  enabled: false\npooler:\n  enabled: false\nhaproxy:\n  checkIntervalMs: 3000\n  fastIntervalMs: 3000\n  fall: 3\n  rise: 2\n`,
  },
  {
    key: 'fast',
    name: 'HAProxy checks (inter 1s fall 2 rise 1)',
    spec: `${sync}router:\n  enabled: false\npooler:\n  enabled: false\nhaproxy:\n  checkIntervalMs: 1000\n  fastIntervalMs: 1000\n  fall: 2\n  rise: 1\n`,
  },
  {
    key: 'sidecar',
    name: "journal's sidecar (poll Patroni every 10 s, then switch)",
    spec: `${sync}router:\n  enabled: false\npooler:\n  enabled: false\n`,
    sidecarPollMs: 10000,
  },
];

interface Sample {
  mode: string;
  kind: 'switchover' | 'crash';
  gapMs: number;
  idealGapMs: number;
  lost: number;
  idealLost: number;
}
const samples: Sample[] = [];
const leaderToRouteMs: number[] = [];
/** The same minus the wait for the new leader to answer /primary (Patroni still promoting). */
const routerOwnMs: number[] = [];
let routerRssKb = 0;
let routerRssStartKb = 0;
/** The leader-key event of the cluster's bootstrap (during the first `up`, before any round): reported apart. */
const bootstrapMs: number[] = [];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const p99 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)]!;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function must(args: string[]): Promise<string> {
  const r = await cli(args);
  if (r.code !== 0) throw new Error(`gardenos ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

async function leaderOf(flags: string[]): Promise<string> {
  const s = JSON.parse((await cli(['status', '--json', ...flags])).stdout) as { postgres: { leader: string } };
  return s.postgres.leader;
}

async function round(
  mode: Mode,
  kind: Sample['kind'],
  ctx: { flags: string[]; stateDir: string; password: string; ports: number[]; id: number },
): Promise<void> {
  const via = new Writer({
    ports: [BASE],
    password: ctx.password,
    table: 'bench_writes',
    intervalMs: 10,
    idOffset: ctx.id,
  });
  const ideal = new Writer({
    ports: ctx.ports,
    password: ctx.password,
    table: 'bench_writes',
    intervalMs: 10,
    idOffset: ctx.id + 500_000,
  });
  // Every round starts from a healthy platform (in synchronous mode: with a sync standby named;
  // a leader crash before that would rightly leave no node eligible for promotion).
  await must(['up', ...ctx.flags]);
  via.start();
  ideal.start();
  await sleep(1000);
  const leader = await leaderOf(ctx.flags);
  let t = performance.now();
  if (kind === 'switchover') {
    await must(['switchover', '--yes', ...ctx.flags]);
    // Count resumed writes from the end of the switchover: before it, the old leader still took writes.
    t = performance.now();
  } else {
    process.kill(processPid(ctx.stateDir, `patroni-${leader}`), 'SIGKILL');
    process.kill(postmasterPid(ctx.stateDir, leader), 'SIGKILL');
  }
  try {
    await eventually(
      async () => Math.min(via.ackedSince(t), ideal.ackedSince(t)),
      (n) => n > 50,
      120_000,
    );
  } catch {
    // A stall is a result, not a crash of the benchmark: record it with what the platform said.
    const st = await cli(['status', '--json', ...ctx.flags]);
    console.error(
      `${mode.key} ${kind}: writes did not resume in 120 s (via ${via.ackedSince(t)}, ideal ${ideal.ackedSince(t)}): ${st.stdout.slice(0, 2000)}`,
    );
  }
  const [a, b] = [await via.stop(), await ideal.stop()];
  // With checks-only routing the primary port can have no server UP for a moment even after writes
  // resumed (HAProxy then closes new connections): retry, the check itself is not what is measured.
  const q = (sql: string) =>
    eventually(
      () => query<{ id: string }>(BASE, ctx.password, sql),
      () => true,
      60_000,
    );
  const checkStart = performance.now();
  const lost = (await missingAcked(q, 'bench_writes', a.acked)).length;
  if (performance.now() - checkStart > 1000)
    console.error(
      `${mode.key} ${kind}: the primary port took ${((performance.now() - checkStart) / 1000).toFixed(1)} s to accept the check query after writes resumed`,
    );
  const idealLost = (await missingAcked(q, 'bench_writes', b.acked)).length;
  samples.push({ mode: mode.key, kind, gapMs: a.longestGapMs, idealGapMs: b.longestGapMs, lost, idealLost });
  console.error(
    `${mode.key} ${kind}: gap ${(a.longestGapMs / 1000).toFixed(2)} s, ideal ${(b.longestGapMs / 1000).toFixed(2)} s, lost ${lost}/${idealLost}`,
  );
  if (kind === 'crash') await must(['up', ...ctx.flags]); // bring the crashed node back (pg_rewind) before the next round
}

async function runMode(mode: Mode, parent: string): Promise<void> {
  const stateDir = join(parent, mode.key);
  const specFile = join(parent, `${mode.key}.yaml`);
  writeFileSync(specFile, `${mode.spec}local:\n  basePort: ${BASE}\n`);
  const flags = ['-f', specFile, '--state-dir', stateDir];
  await must(['up', ...flags]);
  let sidecar: ChildProcess | undefined;
  try {
    if (mode.sidecarPollMs) {
      sidecar = spawn(
        process.execPath,
        [BIN, 'router', '--state-dir', stateDir, '--poll-ms', String(mode.sidecarPollMs)],
        { stdio: 'ignore' },
      );
      await sleep(2000);
    }
    const routerLog = join(stateDir, 'logs', 'router.log');
    const rss = () =>
      Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${processPid(stateDir, 'router')}/status`, 'utf8'))?.[1] ?? 0);
    // Only events of the rounds count towards the failover p99; the bootstrap's is logged before them.
    const roundsFrom = mode.key === 'router' ? readFileSync(routerLog, 'utf8').length : 0;
    if (mode.key === 'router') routerRssStartKb = rss();
    const password = superuserPassword(stateDir);
    // Setup, not a measured round: with checks-only routing the primary port can have no server UP
    // for a moment (HAProxy then closes new connections), so retry and say so.
    const setupStart = performance.now();
    await eventually(
      () =>
        query(
          BASE,
          password,
          'CREATE TABLE IF NOT EXISTS bench_writes (id bigint PRIMARY KEY, at timestamptz DEFAULT now())',
        ),
      () => true,
      30_000,
    );
    if (performance.now() - setupStart > 1000)
      console.error(
        `${mode.key}: the primary port took ${((performance.now() - setupStart) / 1000).toFixed(1)} s to accept the setup statement after up`,
      );
    const ports = [BASE + 30, BASE + 31, BASE + 32];
    let id = 1;
    for (let i = 0; i < rounds; i++) {
      await round(mode, 'switchover', { flags, stateDir, password, ports, id: (id += 1_000_000) });
      await round(mode, 'crash', { flags, stateDir, password, ports, id: (id += 1_000_000) });
    }
    if (mode.key === 'router') {
      routerRssKb = rss();
      const text = readFileSync(routerLog, 'utf8');
      const events = (part: string) =>
        part
          .split('\n')
          .filter((line) => line.includes('"routed primary to') && line.includes('leader key changed'))
          .map((line) => JSON.parse(line) as { latencyMs: number; confirmMs?: number });
      bootstrapMs.push(...events(text.slice(0, roundsFrom)).map((d) => d.latencyMs));
      for (const d of events(text.slice(roundsFrom))) {
        leaderToRouteMs.push(d.latencyMs);
        routerOwnMs.push(d.latencyMs - (d.confirmMs ?? 0));
      }
    }
  } finally {
    sidecar?.kill('SIGTERM');
    await cli(['down', '--purge', '--yes', ...flags]);
  }
}

// --modes router,fast runs only those (the ideal client is measured in every round regardless).
const only = process.argv.includes('--modes')
  ? process.argv[process.argv.indexOf('--modes') + 1]!.split(',')
  : undefined;
const modes = MODES.filter((m) => !only || only.includes(m.key));
const parent = makeStateParent('bench-failover');
for (const mode of modes) await runMode(mode, parent);

const ideal = (kind: Sample['kind']) => median(samples.filter((s) => s.kind === kind).map((s) => s.idealGapMs)) / 1000;
const rows = modes.map((m) => {
  const of = (kind: Sample['kind']) => samples.filter((s) => s.mode === m.key && s.kind === kind);
  const sw = median(of('switchover').map((s) => s.gapMs)) / 1000;
  const cr = median(of('crash').map((s) => s.gapMs)) / 1000;
  const swIdeal = median(of('switchover').map((s) => s.idealGapMs)) / 1000;
  const crIdeal = median(of('crash').map((s) => s.idealGapMs)) / 1000;
  const lost = samples.filter((s) => s.mode === m.key).reduce((n, s) => n + s.lost, 0);
  return `| ${m.name} | ${sw.toFixed(2)} | ${(sw / swIdeal).toFixed(2)} | ${cr.toFixed(2)} | ${(cr - crIdeal >= 0 ? '+' : '') + (cr - crIdeal).toFixed(2)} s | ${lost} |`;
});
console.log(
  [
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, node ${process.version}`,
    `${rounds} switchover + ${rounds} crash rounds per mode; writers every 10 ms; synchronous_mode on; ttl 20, loop_wait 2, retry_timeout 5`,
    '',
    '| routing mode | switchover gap median s | ratio to ideal (same rounds) | crash gap median s | vs ideal (same rounds) | acked writes lost |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    `| ideal client (tries every node directly), all rounds | ${ideal('switchover').toFixed(2)} | 1.00 | ${ideal('crash').toFixed(2)} | +0.00 s | ${samples.reduce((n, s) => n + s.idealLost, 0)} |`,
    '',
    `router leader-key event -> route applied, events of the rounds: p99 ${leaderToRouteMs.length ? p99(leaderToRouteMs).toFixed(1) : '-'} ms, median ${leaderToRouteMs.length ? median(leaderToRouteMs).toFixed(1) : '-'} ms over ${leaderToRouteMs.length} events`,
    `  of which the router's own work (event -> route minus waiting for /primary = 200): p99 ${routerOwnMs.length ? p99(routerOwnMs).toFixed(1) : '-'} ms, median ${routerOwnMs.length ? median(routerOwnMs).toFixed(1) : '-'} ms`,
    `  all events (ms): ${leaderToRouteMs.map((x) => x.toFixed(1)).join(', ')}`,
    `  bootstrap (first leader, during the first up, not a failover): ${bootstrapMs.map((x) => x.toFixed(1)).join(', ') || '-'} ms`,
    `router RSS: ${(routerRssStartKb / 1024).toFixed(1)} MB before the rounds, ${(routerRssKb / 1024).toFixed(1)} MB at the end of its rounds`,
    '',
    'raw: ' + JSON.stringify(samples),
  ].join('\n'),
);
