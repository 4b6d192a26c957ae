// What each package costs the router in resident memory: a fresh node (with the router's V8 flags)
// per case imports the packages, runs a GC, and reports VmRSS. Usage: npm run bench:module-rss
import { execFileSync } from 'node:child_process';

const CASES: { name: string; code: string }[] = [
  { name: 'bare node', code: '' },
  { name: 'etcd3', code: "await import('etcd3');" },
  { name: 'prom-client', code: "await import('prom-client');" },
  { name: 'etcd3 + prom-client', code: "await import('etcd3'); await import('prom-client');" },
  { name: 'zod', code: "await import('zod');" },
  { name: 'yaml', code: "await import('yaml');" },
  { name: 'pg', code: "await import('pg');" },
  { name: 'one fetch() (loads undici)', code: "await fetch('http://127.0.0.1:1/').catch(() => undefined);" },
  {
    name: 'one node:http GET',
    code: "await new Promise((r) => (require('node:http')).get('http://127.0.0.1:1/', r).on('error', r));",
  },
];
const FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=32', '--expose-gc'];
const RUNS = 5;

function rssMb(code: string): number {
  const script = `const require = (await import('node:module')).createRequire(process.cwd() + '/');
${code}
await new Promise((r) => setTimeout(r, 200)); gc(); await new Promise((r) => setTimeout(r, 200));
process.stdout.write(String(process.memoryUsage().rss));`;
  const out = execFileSync(process.execPath, [...FLAGS, '--input-type=module', '-e', script], {
    cwd: new URL('..', import.meta.url).pathname,
  });
  return Number(out.toString()) / 2 ** 20;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const bare = median(Array.from({ length: RUNS }, () => rssMb('')));
console.log(`node ${process.version}, flags ${FLAGS.join(' ')}, median of ${RUNS} fresh processes each\n`);
console.log('| loaded | RSS MB | over bare node MB |\n| --- | --- | --- |');
for (const c of CASES) {
  const mb = c.code === '' ? bare : median(Array.from({ length: RUNS }, () => rssMb(c.code)));
  console.log(`| ${c.name} | ${mb.toFixed(1)} | ${c.code === '' ? '—' : `+${(mb - bare).toFixed(1)}`} |`);
}
