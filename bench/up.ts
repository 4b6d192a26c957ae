// Benchmark: clean state -> writable primary with all replicas streaming, through the real CLI.
// Compares the local profile's Patroni timings with Patroni's defaults (ttl 30, loop_wait 10,
// retry_timeout 10), both measured in this same run. Usage: npm run bench:up [-- --runs 5]
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeStateParent } from '../test/e2e/harness.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 5) || 5;
const BIN = new URL('../bin/gardenos.js', import.meta.url).pathname;
const BASE_PORT = 17500;

interface Mode {
  name: string;
  spec: string;
}
const MODES: Mode[] = [
  { name: 'gardenos local profile (ttl 20, loop_wait 2, retry_timeout 5)', spec: '' },
  {
    name: 'baseline: Patroni defaults (ttl 30, loop_wait 10, retry_timeout 10)',
    spec: 'postgres:\n  ttl: 30\n  loopWait: 10\n  retryTimeout: 10\n',
  },
];

function gardenos(args: string[]): { code: number; out: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? 1, out: r.stdout + r.stderr };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const parent = makeStateParent('bench-up');
const results = new Map<string, number[]>();
for (let i = 0; i < runs; i++) {
  // Interleave the modes so drift in machine load hits both alike.
  for (const mode of MODES) {
    const file = join(parent, 'spec.yaml');
    writeFileSync(file, mode.spec);
    const stateDir = join(parent, `run-${i}`);
    const flags = ['-f', file, '--state-dir', stateDir, '--base-port', String(BASE_PORT)];
    const t0 = process.hrtime.bigint();
    const up = gardenos(['up', ...flags]);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const down = gardenos(['down', '--purge', '--yes', ...flags]);
    if (up.code !== 0 || down.code !== 0) {
      console.error(up.out, down.out);
      process.exit(1);
    }
    results.set(mode.name, [...(results.get(mode.name) ?? []), seconds]);
    console.error(`run ${i + 1}/${runs} ${mode.name}: ${seconds.toFixed(2)} s`);
  }
}
rmSync(parent, { recursive: true, force: true });

const baseline = median(results.get(MODES[1]!.name)!);
const lines = [
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, node ${process.version}`,
  `runs per mode: ${runs} (interleaved); time = wall clock of \`gardenos up\` from a clean state dir until it exits`,
  '(primary writable through HAProxy, every replica streaming, HAProxy routes converged, Patroni members running)',
  '',
  '| mode | median s | min s | max s | ratio to baseline |',
  '| --- | --- | --- | --- | --- |',
  ...MODES.map((m) => {
    const xs = results.get(m.name)!;
    return `| ${m.name} | ${median(xs).toFixed(2)} | ${Math.min(...xs).toFixed(2)} | ${Math.max(...xs).toFixed(2)} | ${(median(xs) / baseline).toFixed(2)} |`;
  }),
  '',
  `all runs (s): ${MODES.map(
    (m) =>
      `${m.name.split(' (')[0]}: ${results
        .get(m.name)!
        .map((x) => x.toFixed(2))
        .join(', ')}`,
  ).join('; ')}`,
];
console.log(lines.join('\n'));
