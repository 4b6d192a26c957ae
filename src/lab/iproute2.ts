// Network namespaces, the bridge and veth pairs of the lab, through iproute2's `ip` (JSON output where it has one).
import { mustRun, run } from './run.js';

const nsArgs = (ns: string | undefined) => (ns === undefined ? [] : ['-n', ns]);

/** The main table's IPv4 routes: what a lab subnet must not overlap. */
export async function listRoutes(): Promise<{ dst: string; dev?: string }[]> {
  const out = await mustRun('ip', ['-j', '-4', 'route', 'show'], 'list the routes');
  return (JSON.parse(out || '[]') as { dst: string; dev?: string }[]).map((r) => ({
    dst: r.dst,
    ...(r.dev ? { dev: r.dev } : {}),
  }));
}

export async function listNetns(): Promise<string[]> {
  const r = await run('ip', ['-j', 'netns', 'list']);
  if (r.code !== 0 || r.stdout.trim() === '') return [];
  return (JSON.parse(r.stdout) as { name: string }[]).map((n) => n.name);
}

export async function netnsExists(ns: string): Promise<boolean> {
  return (await listNetns()).includes(ns);
}

/** Every process whose network namespace is `ns`: the host's sshd and all it spawned. */
export async function netnsPids(ns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', ns]);
  return r.code !== 0 ? [] : r.stdout.split(/\s+/).filter(Boolean).map(Number);
}

export async function linkExists(name: string, ns?: string): Promise<boolean> {
  return (await run('ip', [...nsArgs(ns), 'link', 'show', 'dev', name])).code === 0;
}

/** Whether the link is administratively up (the UP flag), not whether it has a carrier. */
export async function linkIsUp(name: string, ns?: string): Promise<boolean> {
  const r = await run('ip', [...nsArgs(ns), '-j', 'link', 'show', 'dev', name]);
  if (r.code !== 0) return false;
  const [link] = JSON.parse(r.stdout) as { flags?: string[] }[];
  return link?.flags?.includes('UP') ?? false;
}

export async function setLink(name: string, up: boolean, ns?: string): Promise<void> {
  await mustRun(
    'ip',
    [...nsArgs(ns), 'link', 'set', 'dev', name, up ? 'up' : 'down'],
    `set ${name} ${up ? 'up' : 'down'}`,
  );
}

export async function addressesOf(dev: string, ns?: string): Promise<string[]> {
  const r = await run('ip', [...nsArgs(ns), '-j', '-4', 'addr', 'show', 'dev', dev]);
  if (r.code !== 0) return [];
  const [link] = JSON.parse(r.stdout) as { addr_info?: { local: string; prefixlen: number }[] }[];
  return (link?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
}

/** Adds the address unless the device already has it. */
export async function ensureAddress(dev: string, cidr: string, ns?: string): Promise<boolean> {
  if ((await addressesOf(dev, ns)).includes(cidr)) return false;
  await mustRun('ip', [...nsArgs(ns), 'addr', 'add', cidr, 'dev', dev], `give ${dev} the address ${cidr}`);
  return true;
}

export async function createBridge(name: string): Promise<void> {
  await mustRun('ip', ['link', 'add', 'name', name, 'type', 'bridge'], `create the bridge ${name}`);
}

export async function createNetns(ns: string): Promise<void> {
  await mustRun('ip', ['netns', 'add', ns], `create the network namespace ${ns}`);
  await setLink('lo', true, ns);
}

/** A veth pair: `veth` stays on the machine, attached to the bridge; its peer is eth0 inside `ns`. */
export async function createVeth(veth: string, ns: string, bridge: string): Promise<void> {
  await mustRun(
    'ip',
    ['link', 'add', 'name', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns],
    `create the veth pair ${veth} <-> ${ns}:eth0`,
  );
  await mustRun('ip', ['link', 'set', 'dev', veth, 'master', bridge], `attach ${veth} to ${bridge}`);
}

export async function deleteLink(name: string): Promise<boolean> {
  return (await run('ip', ['link', 'del', 'dev', name])).code === 0;
}

export async function deleteNetns(ns: string): Promise<boolean> {
  return (await run('ip', ['netns', 'del', ns])).code === 0;
}
