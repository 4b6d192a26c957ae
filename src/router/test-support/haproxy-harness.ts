// A real HAProxy in front of three fake members: TCP "postgres" servers and HTTP "Patroni" servers that answer 200.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeCommand } from '../../haproxy/index.js';
import { parseServersState } from '../haproxy-route-target.js';
import { freePort, requireBinary, startChild, waitFor } from '../../../test/support/processes.js';

export const HAPROXY_INSTALL = 'sudo apt-get install -y haproxy';

export interface HaproxyHarness {
  adminSocket: string;
  frontendPort: number;
  members: string[];
  stop(): Promise<void>;
}

function listen(server: Server | HttpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      if (typeof a === 'object' && a) resolve(a.port);
      else reject(new Error('no address'));
    });
  });
}

/** Each member's TCP server greets with its name, so a client sees which member HAProxy chose. */
function memberServer(name: string, sockets: Set<Socket>): Server {
  return createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.write(`${name}\n`);
  });
}

export async function startHaproxy(count = 3): Promise<HaproxyHarness> {
  const haproxy = requireBinary('haproxy', HAPROXY_INSTALL);
  const dir = await mkdtemp(join(tmpdir(), 'gardenos-router-haproxy-'));
  const adminSocket = join(dir, 'admin.sock');
  const members = Array.from({ length: count }, (_, i) => `pg${i + 1}`);
  const sockets = new Set<Socket>();
  const tcp = members.map((m) => memberServer(m, sockets));
  const http = members.map(() => createHttpServer((_req, res) => res.writeHead(200).end()));
  const tcpPorts = await Promise.all(tcp.map(listen));
  const httpPorts = await Promise.all(http.map(listen));
  const frontendPort = await freePort();
  const cfg = [
    'global',
    `    stats socket ${adminSocket} mode 600 level admin`,
    '    stats timeout 30s',
    'defaults',
    '    mode tcp',
    '    timeout connect 1s',
    '    timeout client 30s',
    '    timeout server 30s',
    '    timeout check 1s',
    'listen primary',
    '    mode tcp',
    `    bind 127.0.0.1:${frontendPort}`,
    '    option httpchk OPTIONS /primary',
    '    http-check expect status 200',
    '    default-server inter 200ms fall 1 rise 1',
    ...members.map((m, i) => `    server ${m} 127.0.0.1:${tcpPorts[i]} check port ${httpPorts[i]}`),
    '',
  ].join('\n');
  await writeFile(join(dir, 'haproxy.cfg'), cfg);
  const child = startChild(haproxy, ['-db', '-f', join(dir, 'haproxy.cfg')]);
  const stop = async () => {
    await child.stop();
    for (const s of sockets) s.destroy();
    await Promise.all([...tcp, ...http].map((s) => new Promise((r) => s.close(r))));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // Ready once the socket answers and every server has passed its first health check (UP).
    await waitFor(
      'HAProxy to start and see every server UP',
      async () => {
        if (child.process.exitCode !== null) throw new Error(`haproxy exited: ${child.output()}`);
        const state = parseServersState(
          await runtimeCommand(adminSocket, 'show servers state primary', 500),
          'primary',
        );
        return state.length === count && state.every((s) => s.opState === 2);
      },
      5000,
    );
  } catch (err) {
    const output = child.output();
    await stop();
    throw new Error(`${(err as Error).message}\nhaproxy output:\n${output}`);
  }
  return { adminSocket, frontendPort, members, stop };
}
