// The lab's shape (pure): names of namespaces, links and files, and the addresses, from a name, a host count and a subnet.
import { join } from 'node:path';
import { GardenError } from '../errors.js';
import type { SshTarget } from '../hosts/index.js';

export const DEFAULT_LAB_NAME = 'garden';
export const DEFAULT_SUBNET = '10.213.0.0/24';
export const DEFAULT_HOSTS = 3;
export const MAX_HOSTS = 9;
export const LAB_STATE_ROOT = '/var/lib/gardenos-lab';
/** The dirs each lab host has of its own, bound over the machine's inside the host's mount namespace. */
export const HOST_BINDS = [
  { dir: 'etc', mountPoint: '/etc/gardenos' },
  { dir: 'lib', mountPoint: '/var/lib/gardenos' },
  { dir: 'log', mountPoint: '/var/log/gardenos' },
] as const;

export interface Subnet {
  network: number;
  prefix: number;
  text: string;
}

export interface LabHostPlan {
  name: string;
  /** Network namespace, and also the machine-side veth name (at most 15 characters). */
  namespace: string;
  veth: string;
  address: string;
  /** The host's own files: etc/, lib/, log/, tmp/, home/ (root's), its host key, sshd config, pid file and log. */
  root: string;
  hostKeyFile: string;
  sshdConfig: string;
  pidFile: string;
  log: string;
}

export interface LabPlan {
  name: string;
  subnet: Subnet;
  bridge: string;
  /** The machine's address on the bridge, with the prefix: "10.213.0.1/24". */
  bridgeAddress: string;
  dir: string;
  manifestFile: string;
  clientKey: string;
  hosts: LabHostPlan[];
}

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

function parseCidrLoose(text: string): Subnet | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(text.trim());
  const network = m ? ipToInt(m[1]!) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (network === undefined || !(prefix >= 0 && prefix <= 32)) return undefined;
  return { network, prefix, text: `${intToIp(network)}/${prefix}` };
}

function size(s: Subnet): number {
  return 2 ** (32 - s.prefix);
}

function within(inner: Subnet, outer: Subnet): boolean {
  return inner.network >= outer.network && inner.network + size(inner) <= outer.network + size(outer);
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  return a.network < b.network + size(b) && b.network < a.network + size(a);
}

/**
 * A private IPv4 subnet of at most /27 (room for the bridge at .1, hosts from .11, a broadcast),
 * written as its network address. Anything else is a USAGE error that says how to write it.
 */
export function parseSubnet(text: string): Subnet {
  const s = parseCidrLoose(text);
  if (!s) {
    throw new GardenError('USAGE', `--subnet ${text} is not an IPv4 CIDR.`, {
      hint: `write it as network/prefix, such as ${DEFAULT_SUBNET}`,
    });
  }
  if (s.prefix < 8 || s.prefix > 27) {
    throw new GardenError(
      'USAGE',
      `--subnet ${text} has a /${s.prefix} prefix; the lab needs /8 to /27 (the bridge at .1, hosts from .11).`,
      { hint: `use a /24 such as ${DEFAULT_SUBNET}` },
    );
  }
  const mask = s.prefix === 0 ? 0 : (0xffffffff << (32 - s.prefix)) >>> 0;
  const network = (s.network & mask) >>> 0;
  if (network !== s.network) {
    throw new GardenError('USAGE', `--subnet ${text} has host bits set.`, {
      hint: `write its network address: --subnet ${intToIp(network)}/${s.prefix}`,
    });
  }
  if (!PRIVATE_RANGES.some((r) => within(s, parseCidrLoose(r)!))) {
    throw new GardenError(
      'USAGE',
      `--subnet ${text} is not inside a private range (${PRIVATE_RANGES.join(', ')}); the lab never takes addresses that belong to someone on the internet.`,
      {
        hint: `use a private subnet no route here uses, such as ${DEFAULT_SUBNET}`,
      },
    );
  }
  return s;
}

/** The first route (as `ip route` prints its destination) that overlaps the subnet, or undefined. */
export function overlappingRoute(
  subnet: Subnet,
  routes: { dst: string; dev?: string }[],
): { dst: string; dev?: string } | undefined {
  return routes.find((r) => {
    if (r.dst === 'default') return false;
    const dst = parseCidrLoose(r.dst.includes('/') ? r.dst : `${r.dst}/32`);
    return dst !== undefined && overlaps(subnet, dst);
  });
}

export function parseLabName(text: string): string {
  // The bridge is gdn-<name> and each veth gdn-<name>-h9: Linux allows 15 characters for a link name.
  if (!/^[a-z][a-z0-9]{0,7}$/.test(text)) {
    throw new GardenError(
      'USAGE',
      `--name ${text} is not a lab name: 1 to 8 lowercase letters and digits, starting with a letter (link names are limited to 15 characters).`,
      {
        hint: `use a short name such as --name ${DEFAULT_LAB_NAME} or --name lab2`,
      },
    );
  }
  return text;
}

export function parseHostCount(text: string | undefined): number {
  const n = text === undefined ? DEFAULT_HOSTS : Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_HOSTS) {
    throw new GardenError('USAGE', `--hosts ${text} is not a host count from 1 to ${MAX_HOSTS}.`, {
      hint: `leave it out for ${DEFAULT_HOSTS} hosts, or give --hosts 1 to ${MAX_HOSTS}`,
    });
  }
  return n;
}

export function planLab(name: string, hostCount: number, subnet: Subnet, stateRoot = LAB_STATE_ROOT): LabPlan {
  const dir = join(stateRoot, name);
  const prefix = `gdn-${name}`;
  const hosts = Array.from({ length: hostCount }, (_, i): LabHostPlan => {
    const host = `h${i + 1}`;
    const root = join(dir, 'hosts', host);
    return {
      name: host,
      namespace: `${prefix}-${host}`,
      veth: `${prefix}-${host}`,
      address: intToIp(subnet.network + 11 + i),
      root,
      hostKeyFile: join(root, 'ssh_host_ed25519_key'),
      sshdConfig: join(root, 'sshd_config'),
      pidFile: join(root, 'sshd.pid'),
      log: join(root, 'sshd.log'),
    };
  });
  return {
    name,
    subnet,
    bridge: prefix,
    bridgeAddress: `${intToIp(subnet.network + 1)}/${subnet.prefix}`,
    dir,
    manifestFile: join(dir, 'manifest.json'),
    clientKey: join(dir, 'id_ed25519'),
    hosts,
  };
}

/** How the machine logs in to a lab host: root, the lab's client key, the host's pinned key. */
export function sshTargetOf(plan: LabPlan, host: LabHostPlan, hostKey: string): SshTarget {
  return { name: host.name, address: host.address, port: 22, user: 'root', identityFile: plan.clientKey, hostKey };
}
