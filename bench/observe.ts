// Benchmark: what monitoring costs, monitoring on vs off in the same run (interleaved): `gardenos up`
// from a clean state dir, the RSS of every process monitoring adds, pgbench TPC-B through the primary
// port; and `gardenos status` against `patronictl list` on the same platform.
// Usage: npm run bench:observe [-- --runs 3 --seconds 10 --status-runs 7]
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { childPids } from '../src/runtime/proc-table.js';
import { median, must, pgbench as pgbenchAt } from './support.js';
import { cli, makeStateParent, processPid, superuserPassword } from '../test/e2e/harness.js';

const arg = (name: string, fallback: number) =>
  Number(process.argv[process.argv.indexOf(`--${name}`) + 1] || fallback) || fallback;
const runs = arg('runs', 3);
const seconds = arg('seconds', 10);
const statusRuns = arg('status-runs', 7);
const pgbench = (args: string[], password: string) => pgbenchAt(BASE, args, password);
const BASE = 20000;
const MONITORING = ['prometheus', 'postgres-exporter', 'gardenos-exporter', 'dashboard'];
const MODES = [
  { name: 'monitoring on (default)', on: true, spec: 'monitoring: { enabled: true }\n' },
  { name: 'baseline: monitoring off', on: false, spec: 'monitoring: { enabled: false }\n' },
] as const;

/** Resident memory of a process, in MiB (VmRSS). */
function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

function timed(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const BIN = new URL('../bin/gardenos.js', import.meta.url).pathname;

async function main(): Promise<void> {
  const started = Date.now();
  const parent = makeStateParent('bench-observe');
  const upS: Record<string, number[]> = {};
  const tps: Record<string, number[]> = {};
  const rss: Record<string, number[]> = {};
  const statusMs: number[] = [];
  // The first status on a platform validates its stored spec (yaml, zod) and keeps it (src/spec/memo.ts).
  const statusFirstMs: number[] = [];
  const patronictlMs: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      for (const mode of MODES) {
        const specFile = join(parent, 'gardenos.yaml');
        writeFileSync(specFile, mode.spec);
        const stateDir = join(parent, `run-${i}-${mode.on ? 'on' : 'off'}`);
        const flags = ['-f', specFile, '--state-dir', stateDir, '--base-port', String(BASE)];
        const t0 = performance.now();
        await must(['up', ...flags]);
        (upS[mode.name] ??= []).push((performance.now() - t0) / 1000);
        try {
          const password = superuserPassword(stateDir);
          if (mode.on) {
            for (const id of MONITORING) {
              if (!readdirSync(join(stateDir, 'run')).includes(`${id}.pid`)) continue;
              const pid = processPid(stateDir, id);
              (rss[id] ??= []).push(rssMiB(pid));
              // As root the dashboard is two processes: its web side is the collector's child.
              for (const child of childPids(pid)) (rss[`${id} (web side)`] ??= []).push(rssMiB(child));
            }
            // status and patronictl list on the same platform, alternating.
            const patroniYml = join(stateDir, 'pg', 'pg1', 'patroni.yml');
            const status = () =>
              timed(() => {
                const r = spawnSync(process.execPath, [BIN, 'status', ...flags], { encoding: 'utf8' });
                if (r.status !== 0) throw new Error(`status exited ${r.status}: ${r.stdout}${r.stderr}`);
              });
            statusFirstMs.push(status());
            for (let k = 0; k < statusRuns; k++) {
              statusMs.push(status());
              patronictlMs.push(
                timed(() => {
                  const r = spawnSync('patronictl', ['-c', patroniYml, 'list'], { encoding: 'utf8' });
                  if (r.status !== 0) throw new Error(`patronictl list exited ${r.status}: ${r.stderr}`);
                }),
              );
            }
          }
          await pgbench(['-i', '-s', '10', '-q'], password);
          const out = await pgbench(['-n', '-c', '4', '-j', '2', '-T', String(seconds)], password);
          const t = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1]);
          if (!Number.isFinite(t)) throw new Error(`no tps in pgbench output:\n${out}`);
          (tps[mode.name] ??= []).push(t);
          console.error(
            `run ${i + 1}/${runs} ${mode.name}: up ${upS[mode.name]!.at(-1)!.toFixed(1)} s, TPC-B ${t.toFixed(0)} tps`,
          );
        } finally {
          await cli(['down', '--purge', '--yes', ...flags]);
        }
      }
    }
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
  const [on, off] = MODES.map((m) => m.name);
  const row = (name: string, xs: number[], base: number, digits = 1) =>
    `| ${name} | ${median(xs).toFixed(digits)} | ${xs.map((x) => x.toFixed(digits)).join(', ')} | ${(median(xs) / base).toFixed(2)} |`;
  const lines = [
    `## bench:observe: ${runs} runs per mode (interleaved), pgbench TPC-B ${seconds} s at 4 clients, scale 10, through the primary port`,
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; ${((Date.now() - started) / 1000).toFixed(0)} s`,
    '',
    '| `gardenos up` from a clean state dir | median s | all runs | × off |',
    '| --- | --- | --- | --- |',
    row(on!, upS[on!]!, median(upS[off!]!)),
    row(off!, upS[off!]!, median(upS[off!]!)),
    '',
    '| TPC-B through the primary port | median tps | all runs | × off |',
    '| --- | --- | --- | --- |',
    row(on!, tps[on!]!, median(tps[off!]!), 0),
    row(off!, tps[off!]!, median(tps[off!]!), 0),
    '',
    '| process monitoring adds | median RSS MiB | all runs |',
    '| --- | --- | --- |',
    ...Object.entries(rss).map(
      ([id, xs]) => `| ${id} | ${median(xs).toFixed(1)} | ${xs.map((x) => x.toFixed(1)).join(', ')} |`,
    ),
    `| total | ${Object.values(rss)
      .map((xs) => median(xs))
      .reduce((a, b) => a + b, 0)
      .toFixed(1)} | |`,
    '',
    `| on the platform with monitoring, alternating, ${statusMs.length} each | median ms | × patronictl list |`,
    '| --- | --- | --- |',
    `| \`gardenos status\` (etcd, Patroni, HAProxy, router, PgBouncer, alerts) | ${median(statusMs).toFixed(0)} | ${(median(statusMs) / median(patronictlMs)).toFixed(2)} |`,
    `| baseline: \`patronictl list\` | ${median(patronictlMs).toFixed(0)} | 1.00 |`,
    `| first \`gardenos status\` on each platform (validates and keeps the stored spec; ${statusFirstMs.length} runs) | ${median(statusFirstMs).toFixed(0)} | ${(median(statusFirstMs) / median(patronictlMs)).toFixed(2)} |`,
  ];
  console.log(lines.join('\n'));
}

await main();
