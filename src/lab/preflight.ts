// What the lab needs before it changes anything: root, the tools, and a subnet no route here uses.
import { GardenError } from '../errors.js';
import { findOnPath, isRoot } from '../runtime/index.js';
import { listRoutes } from './iproute2.js';
import { overlappingRoute, parseSubnet, type Subnet } from './plan.js';

/** Program -> the Debian package that has it. */
const TOOLS: Record<string, string> = {
  ip: 'iproute2',
  nft: 'nftables',
  sshd: 'openssh-server',
  'ssh-keygen': 'openssh-client',
  unshare: 'util-linux',
  bash: 'bash',
  timeout: 'coreutils',
};

export function requireRoot(what: string): void {
  if (!isRoot()) {
    throw new GardenError('NOT_ROOT', `${what} changes network namespaces, links and mounts, which only root may do.`, {
      hint: 'run it as root, for example `sudo npx gardenos lab ...`',
    });
  }
}

export function requireTools(pathEnv: string | undefined, programs = Object.keys(TOOLS)): void {
  const missing = programs.filter((p) => !findOnPath(p, pathEnv));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((p) => TOOLS[p] ?? p))];
  throw new GardenError(
    'BINARY_MISSING',
    `The lab needs ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not installed.`,
    {
      hint: `run: apt-get update && apt-get install -y ${packages.join(' ')}   (or \`gardenos setup\`)`,
    },
  );
}

/** Refuses a subnet that overlaps a route of this machine, except the lab's own bridge (a second up). */
export async function requireFreeSubnet(subnet: Subnet, ownBridge: string): Promise<void> {
  const routes = (await listRoutes()).filter((r) => r.dev !== ownBridge);
  const clash = overlappingRoute(subnet, routes);
  if (clash) {
    const free = Array.from({ length: 256 }, (_, k) => `10.213.${k}.0/24`).find(
      (c) => !overlappingRoute(parseSubnet(c), routes),
    );
    throw new GardenError(
      'USAGE',
      `--subnet ${subnet.text} overlaps the route ${clash.dst}${clash.dev ? ` on ${clash.dev}` : ''} of this machine; hosts there would be unreachable or shadow real ones.`,
      {
        hint: `pick a private subnet that \`ip route\` does not show${free ? `, for example --subnet ${free}` : ''}`,
      },
    );
  }
}
