// The process table, read from /proc: which processes listen on a TCP port (the socket table gives the
// listening socket's inode, each process's fd links name the inodes it holds), and whose children a
// process has. Used by doctor (the dashboard's port must not be served by root), the benchmarks and
// the tests that check who serves what.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const TCP_LISTEN = '0A';

/** Inodes of the listening sockets in one /proc/net/tcp{,6} table, of one port when given. */
export function parseListeningInodes(table: string, port?: number): string[] {
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length > 9 && f[3] === TCP_LISTEN)
    .filter((f) => port === undefined || Number.parseInt(f[1]!.split(':')[1]!, 16) === port)
    .map((f) => f[9]!);
}

/** Listening socket inodes of this machine's (this network namespace's) TCP tables. */
export function listeningInodes(port?: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue; // no IPv6 here
    }
    for (const inode of parseListeningInodes(text, port)) inodes.add(inode);
  }
  return inodes;
}

/** The socket inodes a process holds open; empty when it is gone or not ours to look at. */
export function socketInodesOf(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed while we looked
    }
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1]!);
  }
  return inodes;
}

export function processIds(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** Every process holding a listening TCP socket on the port (an unprivileged caller sees only its own). */
export function listeningPids(port: number): number[] {
  const wanted = listeningInodes(port);
  if (wanted.size === 0) return [];
  return processIds().filter((pid) => [...socketInodesOf(pid)].some((i) => wanted.has(i)));
}

/** Real, effective, saved and filesystem uids of a process, from /proc/PID/status. */
export function parseUids(status: string): number[] | undefined {
  return /^Uid:[ \t]*(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/).map(Number);
}

/** The parent pid in a /proc/PID/stat line (the command name may hold spaces and parentheses). */
export function parsePpid(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/**
 * Children of a process, by each process's parent in /proc/PID/stat (/proc/PID/task/TID/children is
 * empty on some kernels, and lists only the children of one thread).
 */
export function childPids(pid: number): number[] {
  return processIds().filter((p) => {
    try {
      return parsePpid(readFileSync(`/proc/${p}/stat`, 'utf8')) === pid;
    } catch {
      return false; // ended while we looked
    }
  });
}

/** Every process below pid. */
export function descendantPids(pid: number): number[] {
  return childPids(pid).flatMap((c) => [c, ...descendantPids(c)]);
}
