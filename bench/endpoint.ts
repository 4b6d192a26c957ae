// Benchmark: the primary endpoint's paths side by side on one platform, in the same run: direct to the
// leader, HAProxy's primary port, PgBouncer, the kernel route (nftables DNAT). pgbench select-only and
// TPC-B at 4 and 100 clients, and at 100 with a new connection per transaction (-C); then a planned
// switchover under 16 writers per path (failed writes, longest wait, the dip in acknowledged writes per
// second), --switchovers times per path. Every client is the services' role over TLS (verify-full).
// Needs root (the kernel route).
// Usage: npm run bench:endpoint [-- --runs 3 --seconds 10 --switchovers 3]
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { median, must } from './support.js';
import { cli, makeStateParent } from '../test/e2e/harness.js';
import { Writer } from '../test/e2e/writer.js';

const arg = (name: string, fallback: number) =>
  Number(process.argv[process.argv.indexOf(`--${name}`) + 1] || fallback) || fallback;
const runs = arg('runs', 3);
const seconds = arg('seconds', 10);
const switchoverRounds = arg('switchovers', 1);
const BASE = 19800;
const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';
const parent = makeStateParent('bench-endpoint');
const stateDir = join(parent, 'garden');
const specFile = join(parent, 'gardenos.yaml');
const flags = ['-f', specFile, '--state-dir', stateDir, '--base-port', String(BASE)];

let password = '';
let caFile = '';

/** pgbench as the services' role, the password in the environment, never on the command line. */
function pgbench(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PGBENCH, ['-h', '127.0.0.1', '-p', String(port), '-U', 'app', ...args, 'app'], {
      env: { ...process.env, PGPASSWORD: password, PGSSLMODE: 'verify-full', PGSSLROOTCERT: caFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`pgbench ${args.join(' ')} on :${port} exited ${code}:\n${out}`)),
    );
  });
}

const tpsOf = (out: string) => {
  const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(out) ?? /tps = ([\d.]+)/.exec(out);
  if (!m) throw new Error(`no tps in pgbench output:\n${out}`);
  return Number(m[1]);
};

/** status --json exits 1 while degraded (right after a switchover, before a sync standby): its JSON still says it all. */
async function statusJson<T>(): Promise<T> {
  return JSON.parse((await cli(['status', '--json', ...flags])).stdout) as T;
}

interface Leader {
  name: string;
  port: number;
}
async function leader(): Promise<Leader> {
  const s = await statusJson<{ postgres: { members: { name: string; role: string; port: number }[] } }>();
  const l = s.postgres.members.find((m) => m.role === 'leader')!;
  return { name: l.name, port: l.port };
}

const WORKLOADS = [
  { name: 'select-only, 4 clients', args: () => ['-S', '-c', '4', '-j', '2', '-T', String(seconds)] },
  { name: 'TPC-B, 4 clients', args: () => ['-c', '4', '-j', '2', '-T', String(seconds)] },
  { name: 'select-only, 100 clients', args: () => ['-S', '-c', '100', '-j', '2', '-T', String(seconds)] },
  { name: 'TPC-B, 100 clients', args: () => ['-c', '100', '-j', '2', '-T', String(seconds)] },
  {
    name: 'select-only, 100 clients, new connection per transaction (-C)',
    args: () => ['-S', '-C', '-c', '100', '-j', '2', '-T', String(seconds)],
  },
  {
    name: 'TPC-B, 100 clients, new connection per transaction (-C)',
    args: () => ['-C', '-c', '100', '-j', '2', '-T', String(seconds)],
  },
];

async function main(): Promise<void> {
  // 100 direct clients need room beside Patroni's own connections.
  writeFileSync(
    specFile,
    'postgres:\n  parameters:\n    max_connections: 200\nrouter:\n  kernelRoute:\n    enabled: true\n',
  );
  await must(['up', ...flags]);
  try {
    password = (JSON.parse(readFileSync(join(stateDir, 'secrets.json'), 'utf8')) as { appPassword: string })
      .appPassword;
    caFile = join(stateDir, 'certs', 'ca.crt');
    const paths = async () => [
      { name: 'direct to the leader', port: (await leader()).port },
      { name: 'HAProxy (primary port)', port: BASE },
      { name: 'PgBouncer (transaction pooling)', port: BASE + 4 },
      { name: 'kernel route (nftables DNAT)', port: BASE + 5 },
    ];
    await pgbench((await leader()).port, ['-i', '-s', '10', '-q']);
    const tps = new Map<string, number[]>();
    for (let run = 0; run < runs; run++) {
      for (const w of WORKLOADS) {
        // Alternate the paths inside each workload so drift in machine load hits every path alike.
        for (const p of await paths()) {
          const key = `${w.name}|${p.name}`;
          const t = tpsOf(await pgbench(p.port, w.args()));
          tps.set(key, [...(tps.get(key) ?? []), t]);
          console.error(`run ${run + 1}/${runs} ${w.name} via ${p.name}: ${t.toFixed(0)} tps`);
        }
      }
    }
    const rounds = new Map<string, SwitchoverRound[]>();
    for (let round = 0; round < switchoverRounds; round++) {
      for (const p of await paths()) {
        // The direct path is the ideal client: it tries every node and keeps the one not in recovery.
        const ports = p.name.startsWith('direct') ? await allNodePorts() : [p.port];
        const r = await switchoverUnderLoad(ports, p.port === BASE + 4);
        console.error(
          `switchover ${round + 1}/${switchoverRounds} via ${p.name}: ${r.errors} failed, ${r.acked} acknowledged, longest wait ${r.longestGapMs.toFixed(0)} ms, ${r.beforePerS.toFixed(0)} writes/s before, lowest 0.5 s window ${r.lowestPerS.toFixed(0)}/s`,
        );
        rounds.set(p.name, [...(rounds.get(p.name) ?? []), r]);
      }
    }
    const switchovers = [...rounds].map(([path, rs]) => ({ path, rounds: rs }));
    report(tps, await paths(), switchovers);
  } finally {
    await cli(['down', '--purge', '--yes', ...flags]);
  }
}

async function allNodePorts(): Promise<number[]> {
  const s = await statusJson<{ postgres: { members: { port: number }[] } }>();
  return s.postgres.members.map((m) => m.port);
}

interface SwitchoverRound {
  errors: number;
  acked: number;
  longestGapMs: number;
  /** Acknowledged writes per second over the 2 s before the switchover was asked for. */
  beforePerS: number;
  /** The fewest acknowledged writes per second in any 0.5 s window from the request to 2 s after it returned. */
  lowestPerS: number;
}

/** The writes' throughput before a switchover and its lowest 0.5 s window during it (ack times in ms). */
function throughputDip(
  ackTimes: number[],
  askedAt: number,
  doneAt: number,
): { beforePerS: number; lowestPerS: number } {
  const before = ackTimes.filter((t) => t >= askedAt - 2000 && t < askedAt).length / 2;
  let lowest = Number.POSITIVE_INFINITY;
  for (let from = askedAt; from + 500 <= doneAt; from += 100) {
    const n = ackTimes.filter((t) => t >= from && t < from + 500).length;
    lowest = Math.min(lowest, n * 2);
  }
  return { beforePerS: before, lowestPerS: Number.isFinite(lowest) ? lowest : before };
}

async function switchoverUnderLoad(ports: number[], pooled: boolean): Promise<SwitchoverRound> {
  const ca = readFileSync(caFile);
  const table = `sw_${Date.now()}`;
  const { default: pg } = await import('pg');
  const c = new pg.Client({ host: '127.0.0.1', port: BASE, user: 'app', password, database: 'app', ssl: { ca } });
  await c.connect();
  await c.query(`CREATE TABLE ${table} (id bigint PRIMARY KEY)`);
  await c.end();
  const writers = Array.from(
    { length: 16 },
    (_, i) =>
      new Writer({
        ports,
        password,
        user: 'app',
        database: 'app',
        ssl: { ca },
        pooled,
        table,
        intervalMs: 10,
        idOffset: i * 10_000_000 + 1,
      }),
  );
  // In synchronous mode only a named sync standby may take over: after the previous switchover, wait for one.
  for (let i = 0; i < 600; i++) {
    // status exits 1 while degraded (no sync standby is one such state): read its JSON whatever the code.
    const s = await statusJson<{ postgres: { members: { role: string }[] } }>();
    if (s.postgres.members.some((m) => m.role === 'sync_standby')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const w of writers) w.start();
  await new Promise((r) => setTimeout(r, 3000));
  const askedAt = performance.now();
  await must(['switchover', '--yes', ...flags]);
  await new Promise((r) => setTimeout(r, 2000));
  const doneAt = performance.now();
  const results = await Promise.all(writers.map((w) => w.stop()));
  const ackTimes = results.flatMap((r) => r.acked.map((a) => a.at));
  return {
    errors: results.reduce((n, r) => n + r.errors, 0),
    acked: results.reduce((n, r) => n + r.acked.length, 0),
    longestGapMs: Math.max(...results.map((r) => r.longestGapMs)),
    ...throughputDip(ackTimes, askedAt, doneAt),
  };
}

function report(
  tps: Map<string, number[]>,
  paths: { name: string }[],
  switchovers: { path: string; rounds: SwitchoverRound[] }[],
): void {
  const lines = [
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, node ${process.version}`,
    `runs: ${runs} per workload and path (paths alternated), ${seconds} s each; pgbench scale 10; TLS verify-full on every path`,
    '',
    '| workload | path | median tps | ratio to direct | all runs |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const w of WORKLOADS) {
    const direct = median(tps.get(`${w.name}|${paths[0]!.name}`)!);
    for (const p of paths) {
      const xs = tps.get(`${w.name}|${p.name}`)!;
      lines.push(
        `| ${w.name} | ${p.name} | ${median(xs).toFixed(0)} | ${(median(xs) / direct).toFixed(2)} | ${xs.map((x) => x.toFixed(0)).join(', ')} |`,
      );
    }
  }
  const ideal = median(switchovers[0]!.rounds.map((r) => r.longestGapMs));
  lines.push(
    '',
    `planned switchovers: ${switchoverRounds} per path (paths alternated), 16 writers every 10 ms; medians, all rounds in brackets`,
    '',
    '| path | failed writes | longest wait ms | vs ideal (direct) | writes/s before | lowest 0.5 s window, writes/s | dip |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const s of switchovers) {
    const col = (f: (r: SwitchoverRound) => number) =>
      `${median(s.rounds.map(f)).toFixed(0)} (${s.rounds.map((r) => f(r).toFixed(0)).join(', ')})`;
    const gap = median(s.rounds.map((r) => r.longestGapMs));
    const dip = median(s.rounds.map((r) => 1 - r.lowestPerS / r.beforePerS));
    lines.push(
      `| ${s.path} | ${col((r) => r.errors)} | ${col((r) => r.longestGapMs)} | ${(gap / ideal).toFixed(2)} | ${col((r) => r.beforePerS)} | ${col((r) => r.lowestPerS)} | ${(dip * 100).toFixed(0)} % |`,
    );
  }
  console.log(lines.join('\n'));
}

await main();
