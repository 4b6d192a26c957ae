// Starting and restarting a host's services: systemd where it is PID 1, gardenos's supervisor elsewhere.
// Both take the same HostService list (with a revision each) and restart exactly what changed.
import { createHash } from 'node:crypto';
import { GardenError } from '../../errors.js';
import type { HostFile, HostService } from '../../render/hosts/model.js';
import { SUPERVISOR_PROGRAM } from '../agent/build.js';
import { shellQuote, type HostShell } from '../ssh.js';

export const SUPERVISOR_STATUS = '/run/gardenos/supervisor-status.json';
export const SUPERVISOR_LOG = '/var/log/gardenos/supervisor.log';

/** A service with the fingerprint of everything it runs from: its own definition and the files that restart it. */
export interface RevisedService {
  service: HostService;
  revision: string;
}

export function reviseServices(services: readonly HostService[], files: readonly HostFile[]): RevisedService[] {
  return services.map((service) => {
    const h = createHash('sha256').update(JSON.stringify(service));
    for (const f of files.filter((x) => x.restarts.includes(service.name)).sort((a, b) => (a.path < b.path ? -1 : 1))) {
      // A unit file is the rendering of the service itself: the supervisor does not read it.
      if (f.path.startsWith('/etc/systemd/')) continue;
      h.update(`\0${f.path}\0${f.content}`);
    }
    return { service, revision: h.digest('hex').slice(0, 16) };
  });
}

/** The supervisor's manifest text: the rendered one with each service's revision added. */
export function manifestWithRevisions(rendered: string, revised: readonly RevisedService[]): string {
  const manifest = JSON.parse(rendered) as { services: { name: string; revision?: string }[] };
  const byName = new Map(revised.map((r) => [r.service.name, r.revision]));
  manifest.services = manifest.services
    .filter((s) => byName.has(s.name))
    .map((s) => ({ ...s, revision: byName.get(s.name)! }));
  return JSON.stringify(manifest, null, 2) + '\n';
}

export interface ServiceState {
  state: string;
  revision: string | null;
  pid: number | null;
}

export interface ServiceControl {
  readonly kind: 'systemd' | 'supervisor';
  /** After the files are in place: make `wanted` run at their revisions. Returns what it started or restarted. */
  apply(wanted: readonly RevisedService[], restart: ReadonlySet<string>): Promise<string[]>;
  /** What runs now, by service name. */
  states(): Promise<Map<string, ServiceState>>;
}

export class SupervisorControl implements ServiceControl {
  readonly kind = 'supervisor' as const;
  constructor(
    private readonly shell: HostShell,
    private readonly manifestPath: string,
  ) {}

  async apply(wanted: readonly RevisedService[]): Promise<string[]> {
    const before = await this.states();
    const pid = await this.supervisorPid();
    if (pid === undefined) {
      // setsid -f: the supervisor outlives this SSH session; its output goes to its log.
      const cmd = `mkdir -p /run/gardenos /var/log/gardenos && setsid -f /usr/bin/node ${shellQuote(SUPERVISOR_PROGRAM)} ${shellQuote(this.manifestPath)} ${SUPERVISOR_STATUS} >> ${SUPERVISOR_LOG} 2>&1 < /dev/null`;
      await this.run(cmd, 'start the gardenos supervisor');
    } else {
      await this.run(`kill -HUP ${pid}`, 'tell the supervisor to re-read its manifest');
    }
    return wanted
      .filter(
        (w) => before.get(w.service.name)?.revision !== w.revision || before.get(w.service.name)?.state !== 'running',
      )
      .map((w) => w.service.name);
  }

  async states(): Promise<Map<string, ServiceState>> {
    const r = await this.shell.exec(`cat ${SUPERVISOR_STATUS} 2>/dev/null || true`, { sudo: true, readOnly: true });
    const states = new Map<string, ServiceState>();
    if (!r.stdout.trim()) return states;
    try {
      const status = JSON.parse(r.stdout) as { services: Record<string, ServiceState> };
      for (const [name, s] of Object.entries(status.services)) states.set(name, s);
    } catch {
      // Half-written: the supervisor renames a whole file into place, so this is a file from elsewhere.
    }
    return states;
  }

  /** The running supervisor's pid, checked against its command line (a stale status file names a dead or reused pid). */
  async supervisorPid(): Promise<number | undefined> {
    const r = await this.shell.exec(
      `pid=$(sed -n 's/^ *"pid": \\([0-9]*\\),*$/\\1/p' ${SUPERVISOR_STATUS} 2>/dev/null | head -1); ` +
        `[ -n "$pid" ] && tr '\\0' ' ' < /proc/$pid/cmdline 2>/dev/null | grep -q ${shellQuote(SUPERVISOR_PROGRAM)} && echo "$pid" || true`,
      { sudo: true, readOnly: true },
    );
    const pid = Number(r.stdout.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  private async run(cmd: string, what: string): Promise<void> {
    const r = await this.shell.exec(cmd, { sudo: true, timeoutMs: 30_000 });
    if (r.code !== 0) {
      throw new GardenError(
        'HOST_COMMAND_FAILED',
        `Could not ${what} on host "${this.shell.target.name}": ${r.stderr.trim() || `exit ${r.code}`}.`,
        {
          hint: `look at ${SUPERVISOR_LOG} on that host (\`gardenos logs\` or ssh), fix what it says, and run provision again`,
        },
      );
    }
  }
}

export class SystemdControl implements ServiceControl {
  readonly kind = 'systemd' as const;
  constructor(private readonly shell: HostShell) {}

  async apply(wanted: readonly RevisedService[], restart: ReadonlySet<string>): Promise<string[]> {
    const names = wanted.map((w) => w.service.name);
    const units = names.map((n) => shellQuote(`${n}.service`)).join(' ');
    const states = await this.states();
    const changed = names.filter((n) => restart.has(n) || states.get(n)?.state !== 'running');
    const script = [
      'set -e',
      'systemctl daemon-reload',
      `systemctl enable ${units} >/dev/null 2>&1`,
      ...changed.map((n) => `systemctl restart ${shellQuote(`${n}.service`)}`),
    ].join('\n');
    const r = await this.shell.exec(script, { sudo: true, timeoutMs: 300_000 });
    if (r.code !== 0) {
      throw new GardenError(
        'HOST_COMMAND_FAILED',
        `systemd could not start ${changed.join(', ')} on host "${this.shell.target.name}": ${r.stderr.trim() || `exit ${r.code}`}.`,
        {
          hint: `see \`journalctl -u <unit> -n 50\` on ${this.shell.target.address}, fix what it says, and run provision again`,
        },
      );
    }
    return changed;
  }

  async states(): Promise<Map<string, ServiceState>> {
    const r = await this.shell.exec(
      "systemctl list-units --type=service --all --plain --no-legend 'gardenos-*' 'k3s.service' 2>/dev/null || true",
      { sudo: true, readOnly: true },
    );
    const states = new Map<string, ServiceState>();
    for (const line of r.stdout.split('\n')) {
      const [unit, , active, sub] = line.trim().split(/\s+/);
      if (!unit?.endsWith('.service')) continue;
      states.set(unit.slice(0, -'.service'.length), {
        state: active === 'active' && sub === 'running' ? 'running' : `${active}/${sub}`,
        revision: null,
        pid: null,
      });
    }
    return states;
  }
}
