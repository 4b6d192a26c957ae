// One supervised process of the platform: its pid file, start, readiness, graceful then forced stop.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { LaunchSpec, ProcessIdentity, ProcessRunner } from './process-runner.js';

export type ComponentKind =
  | 'etcd'
  | 'patroni'
  | 'haproxy'
  | 'pgbouncer'
  | 'router'
  | 'service'
  | 'exporter'
  | 'prometheus'
  | 'alertmanager'
  | 'dashboard';

export interface ComponentSpec {
  /** Stable id used for pid and log files, e.g. "etcd-etcd1", "patroni-pg1", "haproxy". */
  id: string;
  kind: ComponentKind;
  /** The member name shown to people (etcd1, pg1, haproxy). */
  member: string;
  launch: LaunchSpec;
  pidFile: string;
  /** Ports this process binds; checked free before it starts. */
  ports: number[];
}

export interface StopOptions {
  graceMs: number;
  signal?: NodeJS.Signals;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SupervisedProcess {
  constructor(
    readonly spec: ComponentSpec,
    private readonly runner: ProcessRunner,
  ) {}

  get id(): string {
    return this.spec.id;
  }

  /** The identity from the pid file, if that process is still alive. */
  running(): ProcessIdentity | undefined {
    const id = this.readPidFile();
    return id && this.runner.isAlive(id) ? id : undefined;
  }

  async start(): Promise<ProcessIdentity> {
    const id = await this.runner.launch(this.spec.launch);
    writeFileSync(this.spec.pidFile, JSON.stringify({ ...id, command: this.spec.launch.command }) + '\n', {
      mode: 0o644,
    });
    return id;
  }

  /** TERM (or the given signal), wait up to graceMs, then KILL. Returns how it ended. */
  async stop({ graceMs, signal = 'SIGTERM' }: StopOptions): Promise<'not-running' | 'stopped' | 'killed'> {
    const id = this.running();
    if (!id) {
      rmSync(this.spec.pidFile, { force: true });
      return 'not-running';
    }
    this.runner.signal(id, signal);
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      if (!this.runner.isAlive(id)) {
        rmSync(this.spec.pidFile, { force: true });
        return 'stopped';
      }
      await sleep(50);
    }
    this.runner.signal(id, 'SIGKILL');
    while (this.runner.isAlive(id)) await sleep(20);
    rmSync(this.spec.pidFile, { force: true });
    return 'killed';
  }

  /** SIGSTOP / SIGCONT, for fault-injection tests. */
  pause(): void {
    const id = this.running();
    if (id) this.runner.signal(id, 'SIGSTOP');
  }

  resume(): void {
    const id = this.running();
    if (id) this.runner.signal(id, 'SIGCONT');
  }

  private readPidFile(): ProcessIdentity | undefined {
    try {
      const parsed = JSON.parse(readFileSync(this.spec.pidFile, 'utf8')) as Partial<ProcessIdentity>;
      if (typeof parsed.pid === 'number' && typeof parsed.startTime === 'string') {
        return { pid: parsed.pid, startTime: parsed.startTime };
      }
    } catch {
      // missing or unreadable pid file: not running as far as we know
    }
    return undefined;
  }
}
