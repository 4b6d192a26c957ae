// Test support for tests of real processes: find binaries, free ports, polling with deadlines, child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { findOnPath } from '../../src/runtime/index.js';

/** Missing binaries fail the test with the command that installs them: a skipped test proves nothing. */
export function requireBinary(program: string, install: string): string {
  const path = findOnPath(program);
  if (!path)
    throw new Error(`${program} is not installed; these tests run the real ${program}. Install it with: ${install}`);
  return path;
}

/** A loopback port nobody listens on right now (the kernel picks it, so parallel test files do not collide). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every few ms until it returns a value other than undefined/false; fails with `what` at the deadline. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await sleep(10);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`,
  );
}

export interface Child {
  process: ChildProcess;
  /** The last lines it printed, for failure messages. */
  output(): string;
  exited: Promise<void>;
  /** SIGTERM, then SIGKILL after graceMs; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Children still running when the test process exits (a failed hook, a runner timeout) are killed, never left behind. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export function startChild(command: string, args: string[]): Child {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let tail = '';
  const keep = (c: Buffer) => (tail = (tail + c.toString('utf8')).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else {
      child.once('exit', () => resolve());
      child.once('error', (err) => {
        tail += `\n${err.message}`;
        resolve();
      });
    }
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const kill = async (signal: NodeJS.Signals) => {
    if (running()) child.kill(signal);
    await exited;
  };
  return {
    process: child,
    output: () => tail,
    exited,
    kill,
    async stop(graceMs = 2000) {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => running() && child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
