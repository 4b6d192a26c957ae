// ProcessRunner on Node's child_process and Linux /proc.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { FoundProcess, LaunchSpec, ProcessIdentity, ProcessRunner } from './process-runner.js';

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

  processesUsing(dir: string): FoundProcess[] {
    const inside = (path: string) => path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
    const found: FoundProcess[] = [];
    for (const entry of safeReaddir('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || pid === process.pid) continue;
      const startTime = readStartTime(pid);
      if (startTime === undefined) continue;
      const cwd = safeReadlink(`/proc/${pid}/cwd`);
      const uses = cwd !== undefined && inside(cwd) ? cwd : openFileInside(pid, inside);
      if (uses === undefined) continue;
      found.push({ pid, startTime, uses, command: commandLine(pid) });
    }
    return found;
  }

  identify(pid: number): ProcessIdentity | undefined {
    const startTime = readStartTime(pid);
    return startTime === undefined ? undefined : { pid, startTime };
  }

  workingDirOf(id: ProcessIdentity): string | undefined {
    return this.isAlive(id) ? safeReadlink(`/proc/${id.pid}/cwd`) : undefined;
  }
}

function openFileInside(pid: number, inside: (path: string) => boolean): string | undefined {
  for (const fd of safeReaddir(`/proc/${pid}/fd`)) {
    const target = safeReadlink(`/proc/${pid}/fd/${fd}`);
    if (target !== undefined && target.startsWith('/') && inside(target.replace(/ \(deleted\)$/, ''))) return target;
  }
  return undefined;
}

function commandLine(pid: number): string {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return '?';
  }
}

// A process may exit between listing /proc and reading its entries: that is not an error.
function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function safeReadlink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}
