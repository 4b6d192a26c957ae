// HAProxy runtime API over its admin socket: read server states (and, for the router, set them).
import { connect } from 'node:net';

export interface ServerStat {
  backend: string;
  server: string;
  /** UP, DOWN, MAINT, "UP 1/2", "no check", ... as HAProxy reports it. */
  status: string;
}

/** Sends one command and returns HAProxy's whole answer. */
export function runtimeCommand(socketPath: string, command: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`HAProxy runtime API at ${socketPath} timed out`)));
    socket.on('connect', () => socket.end(command + '\n'));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** Parses `show stat` CSV into one row per real server (FRONTEND/BACKEND summary rows dropped). */
export function parseShowStat(csv: string): ServerStat[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines.shift()?.replace(/^# /, '').split(',') ?? [];
  const col = (name: string) => header.indexOf(name);
  const [px, sv, st] = [col('pxname'), col('svname'), col('status')];
  return lines
    .map((l) => l.split(','))
    .filter((f) => f[sv] !== 'FRONTEND' && f[sv] !== 'BACKEND')
    .map((f) => ({ backend: f[px] ?? '', server: f[sv] ?? '', status: f[st] ?? '' }));
}

export async function showServers(socketPath: string): Promise<ServerStat[]> {
  return parseShowStat(await runtimeCommand(socketPath, 'show stat'));
}
