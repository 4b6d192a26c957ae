// ProcessRunner on Node's child_process and Linux /proc.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { LaunchSpec, ProcessIdentity, ProcessRunner } from './process-runner.js';

export function readStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the command name in field 2 may contain spaces, so count from its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (state === 'Z' || state === 'X') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

export class NodeProcessRunner implements ProcessRunner {
  async launch(spec: LaunchSpec): Promise<ProcessIdentity> {
    const out = openSync(spec.logFile, 'a', 0o640);
    try {
      const child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env,
        detached: true,
        stdio: ['ignore', out, out],
        ...(spec.user ? { uid: spec.user.uid, gid: spec.user.gid } : {}),
      });
      const pid = await new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('spawn', () => resolve(child.pid!));
      });
      child.unref();
      const startTime = readStartTime(pid);
      if (startTime === undefined) throw new Error(`${spec.command} exited immediately; see ${spec.logFile}`);
      return { pid, startTime };
    } finally {
      closeSync(out);
    }
  }

  isAlive(id: ProcessIdentity): boolean {
    return readStartTime(id.pid) === id.startTime;
  }

  signal(id: ProcessIdentity, signal: NodeJS.Signals): void {
    if (!this.isAlive(id)) return;
    try {
      process.kill(id.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}
