// RouteTarget on HAProxy's runtime API: only the leader's server is ready in the primary backend.
import { runtimeCommand } from '../haproxy/index.js';
import type { ActualRoutes, PrimaryRoute, RouteTarget } from './types.js';

/** srv_admin_state bits that keep a server out of rotation: maint (forced, inherited, config, resolver, health) or drain. */
const NOT_READY = 0x01 | 0x02 | 0x04 | 0x08 | 0x10 | 0x20 | 0x40;
const OP_RUNNING = 2;

export interface ServerState {
  name: string;
  opState: number;
  adminState: number;
}

export function parseServersState(text: string, backend: string): ServerState[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  return lines
    .map((l) => l.split(' '))
    .filter((f) => f[1] === backend && f.length > 6)
    .map((f) => ({ name: f[3]!, opState: Number(f[5]), adminState: Number(f[6]) }));
}

export class HaproxyRouteTarget implements RouteTarget {
  readonly name = 'haproxy';
  /** Server names of the backend: fixed by haproxy.cfg, so apply() needs no read of its own. */
  private known: string[] | undefined;

  constructor(
    private readonly adminSocket: string,
    private readonly backend = 'primary',
    private readonly timeoutMs = 1000,
  ) {}

  async servers(): Promise<ServerState[]> {
    const servers = parseServersState(
      await runtimeCommand(this.adminSocket, `show servers state ${this.backend}`, this.timeoutMs),
      this.backend,
    );
    this.known = servers.map((s) => s.name);
    return servers;
  }

  async actual(): Promise<ActualRoutes> {
    const servers = await this.servers();
    const ready = servers.filter((s) => (s.adminState & NOT_READY) === 0);
    return {
      ready: ready.map((s) => s.name),
      routable: ready.filter((s) => s.opState === OP_RUNNING).map((s) => s.name),
      members: servers.map((s) => s.name),
    };
  }

  async apply(wanted: PrimaryRoute): Promise<void> {
    const b = this.backend;
    let names = this.known ?? (await this.servers()).map((s) => s.name);
    if (wanted.primary !== null && !names.includes(wanted.primary)) names = (await this.servers()).map((s) => s.name);
    if (wanted.primary !== null && !names.includes(wanted.primary)) {
      throw new Error(`HAProxy backend ${b} has no server ${wanted.primary}`);
    }
    // One round trip, executed by HAProxy in order: every other server leaves rotation (its sessions
    // cut) before the leader enters it, so at no moment are two servers ready. Sent for every other
    // server whatever its state: repeating maint is harmless, and no read is needed on the way.
    const demote = names
      .filter((n) => n !== wanted.primary)
      .flatMap((n) => [`set server ${b}/${n} state maint`, `shutdown sessions server ${b}/${n}`]);
    // The leader answered /primary with 200 just before this call, so mark it UP now instead of
    // waiting for its next health check; the checks keep running and overrule us if it fails.
    const promote =
      wanted.primary === null
        ? []
        : [`set server ${b}/${wanted.primary} state ready`, `set server ${b}/${wanted.primary} health up`];
    await this.run([...demote, ...promote]);
  }

  /**
   * Hands the backend back to HAProxy's own health checks: every server ready, /primary checks decide.
   * Called when the router stops on purpose, so that a leader change while it is away still routes.
   */
  async release(): Promise<void> {
    const servers = await this.servers();
    const held = servers.filter((s) => (s.adminState & 0x01) !== 0);
    if (held.length > 0) await this.run(held.map((s) => `set server ${this.backend}/${s.name} state ready`));
  }

  private async run(commands: string[]): Promise<void> {
    const out = await runtimeCommand(this.adminSocket, commands.join(';'), this.timeoutMs);
    const bad = out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !/^(Health check state changed|Server state changed)?$/.test(l));
    if (bad.length > 0) throw new Error(`HAProxy refused "${commands.join('; ')}": ${bad.join(' / ')}`);
  }
}
