// Benchmark: `gardenos verify --rounds N` (default 10) of every fault on its own platform (base port 19600),
// then one table: per fault the median write gap and time to healthy, and the totals of acked, lost and
// double-primary time. Progress of the rounds goes to stderr; nothing is written to disk but the platform's
// own state dir, which is purged at the end.
// Usage: npm run bench:verify [-- --rounds 10] [-- --spec FILE]
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { cli, makeStateParent } from '../test/e2e/harness.js';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const rounds = Number(arg('--rounds') ?? 10);
const specFile = arg('--spec');
const BIN = new URL('../bin/gardenos.js', import.meta.url).pathname;
const BASE = 19600;

interface Round {
  fault: string;
  gapMs: number;
  acked: number;
  lost: number;
  doublePrimaryMs: number;
  endpointInRecoveryMs: number;
  recoverySeconds: number | null;
  ok: boolean;
  note: string;
}

const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** verify with its progress lines passed through to stderr as they come, its JSON collected. */
function runVerify(flags: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'verify', '--json', '--rounds', String(rounds), ...flags], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout }));
    // Ctrl-C on the bench reaches verify too (same process group); it restores its round and exits 130.
  });
}

const parent = makeStateParent('bench-verify');
const flags = [
  '--state-dir',
  join(parent, 'garden'),
  '--base-port',
  String(BASE),
  ...(specFile ? ['-f', specFile] : []),
];
let code = 1;
let report: { ok: boolean; rounds: Round[] } | undefined;
const t0 = Date.now();
try {
  const up = await cli(['up', ...flags]);
  if (up.code !== 0) throw new Error(`gardenos up failed:\n${up.stderr}`);
  const r = await runVerify(flags);
  code = r.code;
  report = JSON.parse(r.stdout) as { ok: boolean; rounds: Round[] };
} finally {
  await cli(['down', '--purge', '--yes', ...flags]);
}

const faults = [...new Set(report.rounds.map((r) => r.fault))];
const row = (name: string, rs: Round[]) => {
  const rec = rs.map((r) => r.recoverySeconds).filter((x): x is number => x !== null);
  const sum = (f: (r: Round) => number) => rs.reduce((n, r) => n + f(r), 0);
  return `| ${name} | ${rs.length} | ${rs.filter((r) => r.ok).length} | ${median(rs.map((r) => r.gapMs)).toFixed(0)} | ${median(rec).toFixed(1)} | ${sum((r) => r.acked)} | ${sum((r) => r.lost)} | ${sum((r) => r.doublePrimaryMs)} | ${median(rs.map((r) => r.endpointInRecoveryMs)).toFixed(0)} |`;
};
console.log(
  [
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, node ${process.version}; spec: ${specFile ?? 'built-in defaults'}`,
    `gardenos verify --rounds ${rounds}: ${report.rounds.length} rounds in ${((Date.now() - t0) / 60000).toFixed(1)} min, verify exit ${code}, ok ${report.ok}`,
    '',
    '| fault | rounds | ok | gap ms median | healthy after s median | acked total | lost total | double-primary ms total | endpoint in recovery ms median |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...faults.map((f) =>
      row(
        f,
        report!.rounds.filter((r) => r.fault === f),
      ),
    ),
    row('all', report.rounds),
    ...report.rounds.filter((r) => !r.ok).map((r) => `not ok: ${r.fault}: ${r.note}`),
  ].join('\n'),
);
process.exit(code);
