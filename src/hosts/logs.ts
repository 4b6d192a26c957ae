// `gardenos logs` on the hosts target: each service's log read over SSH, from the journal where systemd
// runs the units, from /var/log/gardenos where gardenos's supervisor does. Lines are labelled
// `host service | ` when more than one log is shown, as the local target labels them by member.
import { GardenError } from '../errors.js';
import { hostComponents, type HostComponents } from '../render/hosts/components.js';
import { HOST_PATHS, SERVICE_NAMES } from '../render/hosts/paths.js';
import type { HostConfig, Spec } from '../spec/index.js';
import { connectAll, type ConnectAllOptions } from './provision/connect.js';
import { gatherFacts } from './provision/preflight.js';
import { SUPERVISOR_LOG } from './provision/service-control.js';
import { shellQuote, type HostShell } from './ssh.js';

/** What `logs COMPONENT` may name besides a host: a kind of service, on every host that runs one. */
export const LOG_KINDS = [
  'etcd',
  'patroni',
  'haproxy',
  'pgbouncer',
  'router',
  'pgbackrest',
  'prometheus',
  'postgres-exporter',
  'exporter',
  'k3s',
  'supervisor',
] as const;
export type LogKind = (typeof LOG_KINDS)[number];

/** Which of a host's components keeps each log, in the order a host's logs are shown. */
const COMPONENT: Record<Exclude<LogKind, 'supervisor'>, keyof HostComponents> = {
  etcd: 'etcd',
  patroni: 'patroni',
  haproxy: 'haproxy',
  pgbouncer: 'pgbouncer',
  router: 'router',
  pgbackrest: 'pgbackrest',
  prometheus: 'prometheus',
  'postgres-exporter': 'postgresExporter',
  exporter: 'gardenosExporter',
  k3s: 'k3s',
};

export interface HostLogSource {
  host: HostConfig;
  kind: LogKind;
}

/** Every service log of the platform, host by host in spec order. */
export function hostLogSources(spec: Spec): HostLogSource[] {
  return (spec.hosts ?? []).flatMap((host) => {
    const c = hostComponents(spec, host);
    const kinds = (Object.keys(COMPONENT) as Exclude<LogKind, 'supervisor'>[]).filter((k) => c[COMPONENT[k]]);
    return [...kinds, 'supervisor' as const].map((kind) => ({ host, kind }));
  });
}

/**
 * The logs `wanted` names: a host (its services), a kind (that service on every host), or `HOST/KIND`;
 * nothing named means every service (not the supervisor's own log, which `supervisor` asks for).
 */
export function selectLogSources(spec: Spec, wanted: string | undefined): HostLogSource[] {
  const all = hostLogSources(spec);
  const [hostPart, kindPart] = wanted?.includes('/') ? wanted.split('/', 2) : [wanted, undefined];
  const matches = (s: HostLogSource) =>
    wanted === undefined
      ? s.kind !== 'supervisor'
      : kindPart !== undefined
        ? s.host.name === hostPart && s.kind === kindPart
        : s.host.name === wanted
          ? s.kind !== 'supervisor'
          : s.kind === wanted;
  const picked = all.filter(matches);
  if (picked.length === 0) {
    const hosts = (spec.hosts ?? []).map((h) => h.name);
    throw new GardenError('USAGE', `No log "${wanted}" on the hosts of ${spec.name}.`, {
      hint: `name a host (${hosts.join(', ')}), a service (${LOG_KINDS.join(', ')}), or both as HOST/SERVICE, e.g. ${hosts[0] ?? 's1'}/patroni`,
    });
  }
  return picked;
}

const UNIT: Record<Exclude<LogKind, 'supervisor'>, string> = {
  etcd: SERVICE_NAMES.etcd,
  patroni: SERVICE_NAMES.patroni,
  haproxy: SERVICE_NAMES.haproxy,
  pgbouncer: SERVICE_NAMES.pgbouncer,
  router: SERVICE_NAMES.router,
  pgbackrest: SERVICE_NAMES.pgbackrest,
  prometheus: SERVICE_NAMES.prometheus,
  'postgres-exporter': SERVICE_NAMES.postgresExporter,
  exporter: SERVICE_NAMES.gardenosExporter,
  k3s: SERVICE_NAMES.k3s,
};

/** The command that prints (or follows) one log on a host; undefined when that host keeps no such log. */
export function logCommand(
  init: 'systemd' | 'supervisor',
  kind: LogKind,
  o: { lines: number; follow: boolean },
): string | undefined {
  const n = String(Math.max(0, Math.floor(o.lines)));
  if (kind === 'supervisor') {
    if (init === 'systemd') return undefined;
    return `tail -n ${n}${o.follow ? ' -F' : ''} -- ${shellQuote(SUPERVISOR_LOG)} 2>/dev/null || true`;
  }
  if (init === 'systemd') {
    return `journalctl --no-pager -o short-iso -u ${shellQuote(UNIT[kind])} -n ${n}${o.follow ? ' -f' : ''}`;
  }
  // The supervisor does not run K3s (its installer needs systemd), so there is no K3s log to read.
  if (kind === 'k3s') return undefined;
  const file = HOST_PATHS.logFile(UNIT[kind]);
  return `tail -n ${n}${o.follow ? ' -F' : ''} -- ${shellQuote(file)} 2>/dev/null || true`;
}

export interface HostLogsOptions extends Pick<ConnectAllOptions, 'specDir' | 'stateDir' | 'agentSocket' | 'connect'> {
  lines: number;
  follow: boolean;
  write: (text: string) => void;
}

/** Prints the selected logs; with follow, runs until the process is interrupted. */
export async function showHostLogs(spec: Spec, sources: readonly HostLogSource[], o: HostLogsOptions): Promise<void> {
  const hosts = [...new Map(sources.map((s) => [s.host.name, s.host])).values()];
  const shells = await connectAll(hosts, { ...o, acceptNewHostKey: [] });
  const labelled = sources.length > 1;
  try {
    const inits = new Map(
      await Promise.all([...shells].map(async ([name, shell]) => [name, (await gatherFacts(shell)).init] as const)),
    );
    const jobs = sources.map((s) => async () => {
      const shell = shells.get(s.host.name)!;
      const cmd = logCommand(inits.get(s.host.name)!, s.kind, o);
      const label = labelled ? `${s.host.name} ${s.kind} | ` : '';
      if (cmd === undefined) {
        if (!labelled || s.kind !== 'supervisor')
          o.write(`${label}(no ${s.kind} log on ${s.host.name}: ${noLogWhy(s.kind)})\n`);
        return;
      }
      await (o.follow ? follow(shell, cmd, label, o.write) : printOnce(shell, cmd, label, o.write));
    });
    // Without --follow the logs print one after the other, each whole, in the order asked for.
    if (o.follow) await Promise.all(jobs.map((job) => job()));
    else for (const job of jobs) await job();
  } finally {
    await Promise.all([...shells.values()].map((s) => s.close()));
  }
}

function noLogWhy(kind: LogKind): string {
  if (kind === 'supervisor') return 'systemd runs its services, so there is no gardenos supervisor';
  return 'K3s is installed only where systemd is PID 1';
}

async function printOnce(shell: HostShell, cmd: string, label: string, write: (t: string) => void): Promise<void> {
  const r = await shell.exec(cmd, { sudo: true, timeoutMs: 30_000 });
  if (r.code !== 0) throw logReadError(shell, r.stderr);
  for (const line of r.stdout.split('\n').filter(Boolean)) write(`${label}${line}\n`);
}

async function follow(shell: HostShell, cmd: string, label: string, write: (t: string) => void): Promise<void> {
  let partial = '';
  const r = await shell.exec(cmd, {
    sudo: true,
    onStdout: (chunk) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line) write(`${label}${line}\n`);
    },
  });
  if (r.code !== 0) throw logReadError(shell, r.stderr);
}

function logReadError(shell: HostShell, stderr: string): GardenError {
  return new GardenError(
    'HOST_COMMAND_FAILED',
    `Reading a log on ${shell.target.name} (${shell.target.address}) failed: ${stderr.trim() || 'no error text'}.`,
    { hint: `check that ${shell.target.name} was provisioned (\`gardenos provision --only ${shell.target.name}\`)` },
  );
}
