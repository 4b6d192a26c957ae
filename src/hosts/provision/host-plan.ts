// One host's part of a provision run: what it gets (files, services at their revisions, how they run)
// and starting a phase of its services, waited for until they run at their revisions.
import { GardenError } from '../../errors.js';
import type { HostFile, HostService } from '../../render/hosts/model.js';
import { HOST_PATHS, SERVICE_NAMES } from '../../render/hosts/paths.js';
import type { HostConfig } from '../../spec/index.js';
import { SUPERVISOR_PROGRAM, type buildAgentFiles } from '../agent/build.js';
import type { HostShell } from '../ssh.js';
import { applyFiles, planFiles, readFileStates, type FileChange } from './file-sync.js';
import type { HostFacts } from './preflight.js';
import {
  manifestWithRevisions,
  reviseServices,
  SupervisorControl,
  SystemdControl,
  type RevisedService,
  type ServiceControl,
} from './service-control.js';

/** Start order: each phase runs on every host and is waited for before the next begins. */
export const PHASES: readonly (readonly string[])[] = [
  // pgBackRest's TLS server first, so WAL archiving works from the cluster's first segment.
  [SERVICE_NAMES.etcd, SERVICE_NAMES.pgbackrest],
  [SERVICE_NAMES.patroni],
  [SERVICE_NAMES.haproxy, SERVICE_NAMES.pgbouncer, SERVICE_NAMES.router],
  // Monitoring last: the exporters read what the phases above started (and the role made after them).
  [SERVICE_NAMES.postgresExporter, SERVICE_NAMES.gardenosExporter, SERVICE_NAMES.prometheus],
];

export interface HostPlan {
  host: HostConfig;
  shell: HostShell;
  facts: HostFacts;
  files: HostFile[];
  services: RevisedService[];
  control: ServiceControl;
  manifest?: HostFile;
  changes: string[];
}

/** What this host gets, for how it runs services: units under systemd, the supervisor's manifest elsewhere. */
export function planHost(
  host: HostConfig,
  shell: HostShell,
  facts: HostFacts,
  files: HostFile[],
  services: HostService[],
  agent: Awaited<ReturnType<typeof buildAgentFiles>>,
): HostPlan {
  const supervised = facts.init === 'supervisor';
  // Without systemd, K3s is not installed (see provision()), so neither its config nor its drop-in is written.
  const runs = services.filter((s) => !(supervised && s.name === SERVICE_NAMES.k3s));
  const own = files.filter((f) => {
    if (f.path === HOST_PATHS.servicesManifest) return false;
    if (supervised && (f.path.startsWith('/etc/systemd/') || f.path.startsWith('/etc/rancher/'))) return false;
    return true;
  });
  const agentFiles: HostFile[] = agent
    .filter((a) => supervised || a.path !== SUPERVISOR_PROGRAM)
    .map((a) => ({
      path: a.path,
      content: a.content,
      mode: a.mode,
      owner: 'root',
      group: 'root',
      secret: false,
      // The agent is the router's program and gardenos's exporter's.
      restarts: a.path === SUPERVISOR_PROGRAM ? [] : [SERVICE_NAMES.router, SERVICE_NAMES.gardenosExporter],
    }));
  const all = [...own, ...agentFiles];
  const revised = reviseServices(runs, all);
  const rendered = files.find((f) => f.path === HOST_PATHS.servicesManifest);
  return {
    host,
    shell,
    facts,
    files: all,
    services: revised,
    control: supervised ? new SupervisorControl(shell, HOST_PATHS.servicesManifest) : new SystemdControl(shell),
    ...(supervised && rendered
      ? { manifest: { ...rendered, content: manifestWithRevisions(rendered.content, revised) } }
      : {}),
    changes: [],
  };
}

/**
 * Starts (or restarts, if their files changed) the services of `phase`. Under the supervisor, a phase's
 * manifest also keeps every service the host's manifest already has, so a run on a converged cluster
 * never stops Patroni while it waits for etcd.
 */
export async function startPhase(
  p: HostPlan,
  phase: readonly string[],
  restart: ReadonlySet<string>,
  hadManifest: boolean,
): Promise<string[]> {
  const upTo = PHASES.slice(0, PHASES.indexOf(phase) + 1).flat();
  if (p.control.kind === 'systemd') {
    return p.control.apply(
      p.services.filter((s) => phase.includes(s.service.name)),
      restart,
    );
  }
  const present = hadManifest ? await presentServices(p) : new Set<string>();
  const wanted = p.services.filter((s) => upTo.includes(s.service.name) || present.has(s.service.name));
  if (wanted.length === 0 || !p.manifest) return [];
  const manifest = { ...p.manifest, content: manifestWithRevisions(p.manifest.content, wanted) };
  const [change] = planFiles([manifest], await readFileStates(p.shell, [manifest.path]));
  const running = (await (p.control as SupervisorControl).supervisorPid()) !== undefined;
  if (!change && running) return [];
  if (change) await applyFiles(p.shell, [change as FileChange]);
  const started = await p.control.apply(wanted, restart);
  // Wait until the supervisor runs each wanted service at its revision.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const now = await p.control.states();
    if (
      wanted.every(
        (w) => now.get(w.service.name)?.revision === w.revision && now.get(w.service.name)?.state === 'running',
      )
    )
      break;
    if (Date.now() > deadline) {
      const bad = wanted
        .filter((w) => now.get(w.service.name)?.state !== 'running')
        .map((w) => `${w.service.name} ${now.get(w.service.name)?.state ?? 'not started'}`);
      throw new GardenError(
        'START_FAILED',
        `On host "${p.host.name}" the supervisor did not get ${bad.join(', ')} running within 60 s.`,
        {
          hint: `see ${wanted.map((w) => w.service.logFile).join(', ')} on that host; fix what they say and run provision again`,
        },
      );
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return started;
}

async function presentServices(p: HostPlan): Promise<Set<string>> {
  const text = await p.shell.readFile(HOST_PATHS.servicesManifest);
  try {
    return new Set(
      (JSON.parse(text?.toString('utf8') ?? '{"services":[]}') as { services: { name: string }[] }).services.map(
        (s) => s.name,
      ),
    );
  } catch {
    return new Set();
  }
}
