// One SSH connection per host, kept open for a long-running command (verify polls the hosts every few
// hundred ms) and opened again once when it dropped. Connections are verified exactly as provision's.
import { GardenError } from '../errors.js';
import type { HostConfig, Spec } from '../spec/index.js';
import { connectAll } from './provision/connect.js';
import type { connectHost, ExecOptions, ExecResult, HostShell } from './ssh.js';

export interface ShellPoolOptions {
  specDir: string;
  stateDir: string;
  agentSocket?: string;
}

export class ShellPool {
  private readonly shells = new Map<string, Promise<HostShell>>();
  private closed = false;

  constructor(
    private readonly spec: Spec,
    private readonly o: ShellPoolOptions,
  ) {}

  /** Runs a command on a host; a connection that dropped is opened again once before giving up. */
  async exec(host: string, cmd: string, opts: ExecOptions = {}): Promise<ExecResult> {
    try {
      return await (await this.shell(host)).exec(cmd, opts);
    } catch (err) {
      if (!(err instanceof GardenError) || err.code !== 'HOST_UNREACHABLE' || this.closed) throw err;
      this.drop(host);
      return (await this.shell(host)).exec(cmd, opts);
    }
  }

  /** A host's pooled connection as a HostShell whose close() leaves it open (the pool closes it). */
  async borrow(host: string): Promise<HostShell> {
    const shell = await this.shell(host);
    return {
      target: shell.target,
      hostKey: shell.hostKey,
      hostKeyFingerprint: shell.hostKeyFingerprint,
      hostKeyIsNew: false,
      exec: (cmd, opts) => this.exec(host, cmd, opts),
      readFile: (path) => shell.readFile(path),
      writeFile: (path, data, opts) => shell.writeFile(path, data, opts),
      close: async () => undefined,
    };
  }

  /** A connect function for code that opens and closes its own shells (surveyHosts): it borrows the pooled ones. */
  readonly lend: typeof connectHost = (target) => this.borrow(target.name);

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.shells.values()];
    this.shells.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.close()));
  }

  private shell(host: string): Promise<HostShell> {
    let p = this.shells.get(host);
    if (!p) {
      const config = this.hostConfig(host);
      p = connectAll([config], { ...this.o, acceptNewHostKey: [] }).then((m) => m.get(host)!);
      // A failed connect is not kept: the next call tries again.
      p.catch(() => this.shells.get(host) === p && this.shells.delete(host));
      this.shells.set(host, p);
    }
    return p;
  }

  private drop(host: string): void {
    const p = this.shells.get(host);
    this.shells.delete(host);
    void p?.then((s) => s.close()).catch(() => undefined);
  }

  private hostConfig(host: string): HostConfig {
    const config = this.spec.hosts?.find((h) => h.name === host);
    if (!config)
      throw new GardenError('USAGE', `There is no host named "${host}" in the spec.`, {
        hint: `choose one of: ${(this.spec.hosts ?? []).map((h) => h.name).join(', ')}`,
      });
    return config;
  }
}
