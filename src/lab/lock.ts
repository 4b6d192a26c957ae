// One lab change at a time on a machine: labs share mount points and the state root, so a `lab down`
// that sees itself as the last lab must not run while another `lab up` is creating its own.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GardenError } from '../errors.js';

/** Outside every lab's state, on the machine's /run (a tmpfs: a reboot clears a stale lock). */
export const LAB_LOCK_DIR = '/run/gardenos-lab.lock';

function holder(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `fn` holding the machine's lab lock (mkdir is atomic); a lock whose holder died is taken over. */
export async function withLabLock<T>(fn: () => Promise<T>, o: { dir?: string; timeoutMs?: number } = {}): Promise<T> {
  const dir = o.dir ?? LAB_LOCK_DIR;
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  for (;;) {
    try {
      mkdirSync(dir, { mode: 0o700 });
      writeFileSync(join(dir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = holder(dir);
      // No pid yet: its holder is between mkdir and write; give it a moment before judging it dead.
      if (pid !== undefined && !alive(pid)) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new GardenError(
          'LAB_BUSY',
          `Another gardenos lab command (pid ${pid ?? 'unknown'}) has been changing the labs on this machine for too long.`,
          {
            hint: `wait for it to finish; if no such process runs, remove ${dir} and try again`,
          },
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
