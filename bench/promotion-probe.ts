// Probe: after a leader-key event, how long until the new leader's Patroni answers /primary with 200,
// and how long each /primary request takes meanwhile. It separates Patroni's share of the router's
// event -> route latency from the router's own. Runs planned switchovers on a synchronous platform.
// Usage: npm run bench:promotion [-- N]   (N switchovers, default 8)
import { request } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { etcdTlsFiles } from '../src/local/index.js';
import { cli, makeStateParent } from '../test/e2e/harness.js';

const N = Number(process.argv[2] ?? 8);
const BASE = 17700;
const parent = makeStateParent('probe');
const specFile = join(parent, 'gardenos.yaml');
writeFileSync(specFile, `postgres:\n  synchronousMode: true\nlocal:\n  basePort: ${BASE}\n`);
const flags = ['-f', specFile, '--state-dir', join(parent, 'state')];
const must = async (args: string[]) => {
  const r = await cli(args);
  if (r.code !== 0) throw new Error(`gardenos ${args.join(' ')} failed:\n${r.stderr}`);
};
const apiPort: Record<string, number> = { pg1: BASE + 40, pg2: BASE + 41, pg3: BASE + 42 };

function primaryStatus(member: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: apiPort[member], path: '/primary', timeout: 500 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(-1));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

await must(['up', ...flags]);
// etcd over https with gardenos's own client certificate (etcd.scheme defaults to https).
const tls = etcdTlsFiles(join(parent, 'state', 'certs'), 'gardenos');
const etcd = new Etcd3({
  hosts: `https://127.0.0.1:${BASE + 10}`,
  credentials: {
    rootCertificate: readFileSync(tls.caFile),
    certChain: readFileSync(tls.certFile),
    privateKey: readFileSync(tls.keyFile),
  },
});
const firstOk: number[] = [];
try {
  const watcher = await etcd.watch().key('/service/garden/leader').create();
  watcher.on('put', (kv) => {
    const leader = kv.value.toString();
    const t0 = performance.now();
    void (async () => {
      const trace: string[] = [];
      for (;;) {
        const sent = performance.now();
        const code = await primaryStatus(leader);
        trace.push(
          `sent +${(sent - t0).toFixed(1)} ms, answered in ${(performance.now() - sent).toFixed(1)} ms: ${code}`,
        );
        if (code === 200 || performance.now() - t0 > 3000) break;
        await new Promise((r) => setTimeout(r, 2));
      }
      firstOk.push(performance.now() - t0);
      console.log(`${leader}: /primary 200 after ${(performance.now() - t0).toFixed(1)} ms (${trace.join('; ')})`);
    })();
  });
  for (let i = 0; i < N; i++) {
    await must(['switchover', '--yes', ...flags]);
    await must(['up', ...flags]);
    await new Promise((r) => setTimeout(r, 1500));
  }
  await watcher.cancel();
} finally {
  etcd.close();
  await cli(['down', '--purge', '--yes', ...flags]);
}
const sorted = [...firstOk].sort((a, b) => a - b);
console.log(
  `leader-key event -> /primary 200: median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms over ${sorted.length} switchovers`,
);
