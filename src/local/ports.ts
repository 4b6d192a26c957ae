// Finds ports that are already taken, before anything starts.
import { createServer } from 'node:net';
import { GardenError } from '../errors.js';

export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export interface PortClaim {
  port: number;
  owner: string;
}

export async function assertPortsFree(host: string, claims: PortClaim[]): Promise<void> {
  const taken: PortClaim[] = [];
  for (const claim of claims) {
    if (!(await isPortFree(host, claim.port))) taken.push(claim);
  }
  if (taken.length === 0) return;
  const list = taken.map((c) => `${host}:${c.port} (${c.owner})`).join(', ');
  throw new GardenError(
    'PORT_IN_USE',
    `Port${taken.length > 1 ? 's' : ''} already in use: ${list}. Nothing was started.`,
    {
      hint:
        `stop whatever holds ${taken.length > 1 ? 'them' : 'it'} (\`ss -ltnp 'sport = :${taken[0]!.port}'\` shows the owner), ` +
        'or move this platform with `--base-port N` or local.basePort in gardenos.yaml',
    },
  );
}
