// RouteTarget in the kernel: an nftables DNAT rule sends the kernel port to the leader, with no proxy
// in the path. One table of gardenos's own, rewritten in one nft transaction (never two destinations);
// a flow opened before a switch whose packets would still reach an old member is reset.
import { spawn } from 'node:child_process';
import type { ActualRoutes, PrimaryRoute, RouteTarget } from './types.js';

export interface KernelRouteMember {
  name: string;
  /** IPv4 address and port the member's PostgreSQL listens on. */
  host: string;
  port: number;
}

export interface KernelRouteSettings {
  /** The nftables table (family ip) gardenos owns for this platform, e.g. gardenos_garden. */
  table: string;
  /** The address and port clients connect to. */
  listen: { host: string; port: number };
  members: KernelRouteMember[];
}

/** Runs nft with args (and stdin); the argv prefix lets a test run it inside a network namespace. */
export type NftRunner = (args: string[], stdin?: string) => Promise<{ code: number; stdout: string; stderr: string }>;

export function nftRunner(argv: string[] = ['nft']): NftRunner {
  return (args, stdin) =>
    new Promise((resolve, reject) => {
      const child = spawn(argv[0]!, [...argv.slice(1), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      // nft may exit before it reads its stdin (an error, or a command that takes none): the write then
      // fails with EPIPE, and the exit code and stderr say why. Unhandled, it crashed the router.
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin ?? '');
    });
}

const COMMENT_PREFIX = 'gardenos-primary=';

/**
 * The whole table as one nft script: flush-and-fill is applied atomically by the kernel, so a packet
 * sees either the old rule set or the new one. The filter chain resets flows that came in through the
 * kernel port but are DNATed anywhere else than the primary (or anywhere at all when nobody is routed).
 */
export function renderKernelRoute(s: KernelRouteSettings, primary: KernelRouteMember | null): string {
  const t = `ip ${s.table}`;
  const via = `ct direction original meta l4proto tcp ct original ip daddr ${s.listen.host} ct original proto-dst ${s.listen.port}`;
  const lines = [
    `add table ${t}`,
    `add chain ${t} nat_output { type nat hook output priority -100 ; policy accept ; }`,
    `add chain ${t} filter_output { type filter hook output priority 0 ; policy accept ; }`,
    `flush chain ${t} nat_output`,
    `flush chain ${t} filter_output`,
  ];
  if (primary) {
    lines.push(
      `add rule ${t} nat_output ip daddr ${s.listen.host} tcp dport ${s.listen.port} dnat to ${primary.host}:${primary.port} comment "${COMMENT_PREFIX}${primary.name}"`,
      `add rule ${t} filter_output ${via} ip daddr != ${primary.host} reject with tcp reset`,
      `add rule ${t} filter_output ${via} tcp dport != ${primary.port} reject with tcp reset`,
    );
  } else {
    lines.push(`add rule ${t} filter_output ${via} reject with tcp reset`);
  }
  return lines.join('\n') + '\n';
}

/** The members the table's DNAT rules name, from `nft -j list table`. */
export function routedMembers(json: string): string[] {
  const doc = JSON.parse(json) as { nftables?: { rule?: { chain?: string; comment?: string } }[] };
  return (doc.nftables ?? [])
    .map((e) => e.rule)
    .filter((r) => r?.chain === 'nat_output' && r.comment?.startsWith(COMMENT_PREFIX))
    .map((r) => r!.comment!.slice(COMMENT_PREFIX.length));
}

export class NftablesRouteTarget implements RouteTarget {
  readonly name = 'nftables';

  constructor(
    private readonly s: KernelRouteSettings,
    private readonly nft: NftRunner = nftRunner(),
  ) {}

  async actual(): Promise<ActualRoutes> {
    const r = await this.nft(['-j', 'list', 'table', 'ip', this.s.table]);
    const members = this.s.members.map((m) => m.name);
    // No table yet: nothing routed (the first apply creates it).
    if (r.code !== 0 && /No such file or directory/.test(r.stderr)) return { ready: [], routable: [], members };
    if (r.code !== 0) throw new Error(`nft list table ip ${this.s.table} failed: ${r.stderr.trim()}`);
    const ready = routedMembers(r.stdout);
    // A DNAT rule has no health check of its own: what it names is where packets go.
    return { ready, routable: ready, members };
  }

  async apply(wanted: PrimaryRoute): Promise<void> {
    const primary = wanted.primary === null ? null : this.s.members.find((m) => m.name === wanted.primary);
    if (primary === undefined) throw new Error(`the kernel route has no member ${wanted.primary}`);
    const r = await this.nft(['-f', '-'], renderKernelRoute(this.s, primary));
    if (r.code !== 0) throw new Error(`nft could not apply the kernel route: ${r.stderr.trim()}`);
  }

  /** Deletes the table (`gardenos down`): gardenos made it, nothing else uses it. */
  async remove(): Promise<void> {
    const r = await this.nft(['delete', 'table', 'ip', this.s.table]);
    if (r.code !== 0 && !/No such file or directory/.test(r.stderr))
      throw new Error(`nft delete table ip ${this.s.table} failed: ${r.stderr.trim()}`);
  }
}
