// Processes outside the supervisor's pid files: a node's postmaster (postmaster.pid) and its children (/proc).
import { readdirSync, readFileSync } from 'node:fs';
import { readStartTime, type ProcessIdentity } from '../../local/index.js';

/** The postmaster named in a data dir's postmaster.pid, if that process is alive now. */
export function readPostmaster(dataDir: string): ProcessIdentity | undefined {
  try {
    const pid = Number(readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
    const startTime = Number.isInteger(pid) && pid > 0 ? readStartTime(pid) : undefined;
    return startTime === undefined ? undefined : { pid, startTime };
  } catch {
    return undefined;
  }
}

/** Direct children of `pid` (PostgreSQL backends and workers of a postmaster), read from /proc now. */
export function childrenOf(pid: number): ProcessIdentity[] {
  const out: ProcessIdentity[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== pid) continue;
      const startTime = readStartTime(Number(name));
      if (startTime !== undefined) out.push({ pid: Number(name), startTime });
    } catch {
      // exited while we looked
    }
  }
  return out;
}
