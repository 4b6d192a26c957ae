// Helpers the benchmarks share: the median of a sample, a gardenos command that must succeed, pgbench.
import { spawn } from 'node:child_process';
import { cli } from '../test/e2e/harness.js';

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Runs gardenos; its stdout, or an error with its stderr when it exits non-zero. */
export async function must(args: string[]): Promise<string> {
  const r = await cli(args);
  if (r.code !== 0) throw new Error(`gardenos ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

export const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';

/** pgbench as the superuser on 127.0.0.1:port, the password in the environment, never on the command line. */
export function pgbench(port: number, args: string[], password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PGBENCH, ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', ...args, 'postgres'], {
      env: { ...process.env, PGPASSWORD: password },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`pgbench ${args.join(' ')} exited ${code}:\n${out}`)),
    );
  });
}
