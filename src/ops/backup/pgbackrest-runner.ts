// Runs pgBackRest as the PostgreSQL user (it refuses to touch a data dir it does not own), with a deadline.
import { spawn } from 'node:child_process';
import { GardenError } from '../../errors.js';
import { findOnPath, type OsUser } from '../../runtime/index.js';

export interface PgbackrestResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type PgbackrestRunner = (args: string[], opts?: { timeoutMs?: number }) => Promise<PgbackrestResult>;

/** The superuser password goes in the environment only: it never appears in argv, logs or errors. */
export function pgbackrestRunner(user: OsUser | undefined, password: string): PgbackrestRunner {
  const bin = findOnPath('pgbackrest');
  return (args, opts = {}) => {
    if (!bin) {
      return Promise.reject(
        new GardenError('BINARY_MISSING', 'pgBackRest is not installed.', {
          hint: 'install it with `sudo apt-get install -y pgbackrest` (or `gardenos setup`)',
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const child = spawn(bin, args, {
        env: {
          PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          LANG: 'C.UTF-8',
          PGPASSWORD: password,
        },
        cwd: '/',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: opts.timeoutMs ?? 600_000,
        ...(user ? { uid: user.uid, gid: user.gid } : {}),
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  };
}

/** Turns a failed run into a GardenError with pgBackRest's own first error line as the evidence. */
export function assertOk(r: PgbackrestResult, what: string, hint: string, leftBehind?: string): PgbackrestResult {
  if (r.code === 0) return r;
  const line =
    `${r.stderr}\n${r.stdout}`.split('\n').find((l) => /ERROR/.test(l)) ??
    r.stderr.trim().split('\n').pop() ??
    `exit code ${r.code}`;
  throw new GardenError('BACKUP_FAILED', `${what} failed: ${line.trim()}`, {
    hint,
    ...(leftBehind ? { leftBehind } : {}),
  });
}
