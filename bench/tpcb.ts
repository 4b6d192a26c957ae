// Benchmark: what synchronous replication costs. pgbench's TPC-B-like script through the primary port,
// alternating asynchronous and synchronous mode on one platform in the same run (Patroni's dynamic
// config), so both modes share the machine, the data and the cache. Usage: npm run bench:tpcb [-- --runs 3 --seconds 15]
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { median, must, pgbench as pgbenchAt } from './support.js';
import { cli, eventually, makeStateParent, query, superuserPassword } from '../test/e2e/harness.js';

const arg = (name: string, fallback: number) =>
  Number(process.argv[process.argv.indexOf(`--${name}`) + 1] || fallback) || fallback;
const runs = arg('runs', 3);
const seconds = arg('seconds', 15);
const clients = arg('clients', 4);
const pgbench = (args: string[], password: string) => pgbenchAt(BASE, args, password);
const BASE = 18500;
const parent = makeStateParent('bench-tpcb');
const stateDir = join(parent, 'garden');
const flags = ['--state-dir', stateDir, '--base-port', String(BASE)];

async function setSynchronous(on: boolean, restapiPassword: string, password: string): Promise<void> {
  const leaderPort = await eventually(
    async () => {
      const s = JSON.parse((await cli(['status', '--json', ...flags])).stdout) as {
        postgres: { leader: string; members: { name: string; apiUrl?: string }[] };
      };
      return BASE + 40 + Number(s.postgres.leader.slice(2)) - 1;
    },
    (p) => p > 0,
  );
  const res = await fetch(`http://127.0.0.1:${leaderPort}/config`, {
    method: 'PATCH',
    body: JSON.stringify({ synchronous_mode: on }),
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`gardenos:${restapiPassword}`).toString('base64')}`,
    },
  });
  if (!res.ok) throw new Error(`PATCH /config: HTTP ${res.status} ${await res.text()}`);
  // Wait for the state, not for a time: the primary's synchronous_standby_names is what commits obey.
  await eventually(
    () =>
      query<{ s: string }>(BASE, password, "SELECT current_setting('synchronous_standby_names') AS s")
        .catch(() => [{ s: '?' }])
        .then((r) => r[0]!.s),
    (s) => (on ? s !== '' && s !== '?' : s === ''),
    30000,
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  await must(['up', ...flags]);
  const password = superuserPassword(stateDir);
  const { restapiPassword } = JSON.parse(readFileSync(join(stateDir, 'secrets.json'), 'utf8')) as {
    restapiPassword: string;
  };
  try {
    await pgbench(['-i', '-s', '10', '-q'], password);
    const tps: Record<'async' | 'sync', number[]> = { async: [], sync: [] };
    const latency: Record<'async' | 'sync', number[]> = { async: [], sync: [] };
    for (let i = 0; i < runs; i++) {
      for (const mode of ['async', 'sync'] as const) {
        await setSynchronous(mode === 'sync', restapiPassword, password);
        const out = await pgbench(['-n', '-c', String(clients), '-j', '2', '-T', String(seconds)], password);
        const t = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1]);
        const l = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]);
        if (!Number.isFinite(t)) throw new Error(`no tps in pgbench output:\n${out}`);
        tps[mode].push(t);
        latency[mode].push(l);
        console.log(`run ${i + 1} ${mode}: ${t.toFixed(0)} tps, latency ${l.toFixed(2)} ms`);
      }
    }
    const a = median(tps.async);
    const s = median(tps.sync);
    console.log(
      `\n## bench:tpcb: ${runs} runs of ${seconds} s per mode, ${clients} clients, scale 10, through the primary port`,
    );
    console.log(
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    console.log('| mode | median tps | all runs | median latency ms | × async |');
    console.log('| --- | --- | --- | --- | --- |');
    console.log(
      `| asynchronous | ${a.toFixed(0)} | ${tps.async.map((x) => x.toFixed(0)).join(', ')} | ${median(latency.async).toFixed(2)} | 1.00 |`,
    );
    console.log(
      `| synchronous (default) | ${s.toFixed(0)} | ${tps.sync.map((x) => x.toFixed(0)).join(', ')} | ${median(latency.sync).toFixed(2)} | ${(s / a).toFixed(2)} |`,
    );
  } finally {
    await cli(['down', '--purge', '--yes', ...flags]);
  }
}

await main();
