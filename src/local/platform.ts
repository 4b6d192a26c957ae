// A local platform as the commands see it: its spec, state dir layout and supervised processes.
import type { Spec } from '../spec/index.js';
import type { Binaries } from './binaries.js';
import { buildComponents } from './components.js';
import { layoutOf, type Layout } from './layout.js';
import type { OsUser } from '../runtime/os-user.js';
import type { RunAs } from './run-as.js';
import type { ProcessRunner } from './process-runner.js';
import { SupervisedProcess } from './supervised-process.js';
import { etcdTlsFiles } from './certs.js';
import type { EtcdTls } from '../dcs/index.js';
import type { MonitoringBinaries } from './monitoring.js';

export interface LocalPlatform {
  spec: Spec;
  layout: Layout;
  processes: SupervisedProcess[];
  /** The process runner the platform's processes were opened with (also for processes no pid file names). */
  runner: ProcessRunner;
}

/** Binaries are only needed to start things; stop and status work from pid files. */
const NO_BINARIES = { etcd: 'etcd', patroni: 'patroni', haproxy: 'haproxy', pgbouncer: 'pgbouncer', pgBinDir: '' };

export function openPlatform(
  spec: Spec,
  runner: ProcessRunner,
  opts: {
    binaries?: Pick<Binaries, 'etcd' | 'patroni' | 'patroniPython' | 'haproxy' | 'pgbouncer' | 'pgBinDir'>;
    pgUser?: OsUser;
    /** Who each component runs as (as root); only `up` needs it, the others only stop and read. */
    runAs?: RunAs;
    monitoringBinaries?: MonitoringBinaries;
  } = {},
): LocalPlatform {
  const layout = layoutOf(spec.local.stateDir);
  const components = buildComponents({
    spec,
    layout,
    binaries: opts.binaries ?? NO_BINARIES,
    ...(opts.pgUser ? { pgUser: opts.pgUser } : {}),
    ...(opts.runAs
      ? {
          pgUser: opts.runAs.postgres,
          infraUser: opts.runAs.infra,
          serviceUser: opts.runAs.service,
        }
      : {}),
    ...(opts.monitoringBinaries ? { monitoringBinaries: opts.monitoringBinaries } : {}),
  });
  return { spec, layout, processes: components.map((c) => new SupervisedProcess(c, runner)), runner };
}

export function processesOf(platform: LocalPlatform, kind: SupervisedProcess['spec']['kind']): SupervisedProcess[] {
  return platform.processes.filter((p) => p.spec.kind === kind);
}

/** gardenos's own client certificate for etcd when the spec asks for https (status, doctor, verify, up's waits). */
export function etcdClientTls(platform: LocalPlatform): EtcdTls | undefined {
  return platform.spec.etcd.scheme === 'https' ? etcdTlsFiles(platform.layout.certsDir, 'gardenos') : undefined;
}
