// The kernel route on the local target: the router keeps an nftables DNAT rule from
// router.kernelRoute.port to the leader. Only root can give it CAP_NET_ADMIN, which setpriv passes on
// as an ambient capability while it drops to the infra user (a uid change drops every other one).
import { GardenError } from '../errors.js';
import { NftablesRouteTarget } from '../router/nftables-route-target.js';
import { findOnPath } from '../runtime/find-on-path.js';
import type { OsUser } from '../runtime/os-user.js';
import type { Spec } from '../spec/index.js';
import { kernelRouteTable } from './router-flags.js';

/** Refuses, before anything starts, a kernel route this machine cannot give the router. */
export function assertKernelRoutePossible(spec: Spec, root: boolean, path = process.env.PATH ?? ''): void {
  if (!spec.router.enabled || !spec.router.kernelRoute.enabled) return;
  if (!root) {
    throw new GardenError(
      'NOT_ROOT',
      'router.kernelRoute needs root: the router changes nftables rules, which takes CAP_NET_ADMIN, and only root can grant it.',
      {
        hint: 'run `sudo gardenos up`, or turn router.kernelRoute.enabled off (HAProxy and PgBouncer need no privilege)',
      },
    );
  }
  for (const [program, pkg] of [
    ['nft', 'nftables'],
    ['setpriv', 'util-linux'],
  ] as const) {
    if (!findOnPath(program, `${path}:/usr/sbin:/sbin`)) {
      throw new GardenError('BINARY_MISSING', `router.kernelRoute needs ${program}, which is not installed.`, {
        hint: `sudo apt-get install -y ${pkg} (or \`gardenos setup\`)`,
      });
    }
  }
}

/**
 * How the router is launched with the kernel route as root: setpriv becomes the infra user and keeps
 * CAP_NET_ADMIN (and nothing else) across the exec into node, and from node into nft.
 */
export function withNetAdmin(command: string, args: string[], user: OsUser): { command: string; args: string[] } {
  return {
    command: 'setpriv',
    args: [
      `--reuid=${user.uid}`,
      `--regid=${user.gid}`,
      '--clear-groups',
      '--inh-caps=-all,+net_admin',
      '--ambient-caps=-all,+net_admin',
      '--bounding-set=-all,+net_admin',
      '--',
      command,
      ...args,
    ],
  };
}

/** The platform's kernel route as a route target (for reading it: status, doctor). */
export function localKernelRoute(spec: Spec): NftablesRouteTarget {
  return new NftablesRouteTarget({
    table: kernelRouteTable(spec),
    listen: { host: spec.local.bindAddress, port: spec.router.kernelRoute.port },
    members: spec.nodes.map((n) => ({ name: n.name, host: spec.local.bindAddress, port: n.pgPort })),
  });
}

/** Where the kernel route sends writes (null: nowhere), or why it cannot be read; null when it is off. */
export async function kernelRouteState(
  spec: Spec,
): Promise<{ port: number; routedTo: string | null; readError?: string } | null> {
  if (!spec.router.enabled || !spec.router.kernelRoute.enabled) return null;
  const port = spec.router.kernelRoute.port;
  try {
    const { ready } = await localKernelRoute(spec).actual();
    return { port, routedTo: ready[0] ?? null };
  } catch (err) {
    return { port, routedTo: null, readError: (err as Error).message };
  }
}

/** `down` deletes the table once the router is stopped: gardenos made it, nothing else uses it. */
export async function removeKernelRoute(spec: Spec): Promise<boolean> {
  if (!spec.router.kernelRoute.enabled || !findOnPath('nft', `${process.env.PATH ?? ''}:/usr/sbin:/sbin`)) return false;
  await new NftablesRouteTarget({ table: kernelRouteTable(spec), listen: { host: '', port: 0 }, members: [] }).remove();
  return true;
}
