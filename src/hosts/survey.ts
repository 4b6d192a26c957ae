// One SSH round over every host: is it reachable with its pinned key, what init runs its services, how
// far its clock is off, and what state each of gardenos's services is in. status and doctor read it.
import { describeCause } from '../errors.js';
import { hostComponents } from '../render/hosts/components.js';
import { SERVICE_NAMES } from '../render/hosts/paths.js';
import type { HostConfig, Spec } from '../spec/index.js';
import { connectAll, type ConnectAllOptions } from './provision/connect.js';
import { gatherFacts, type HostFacts } from './provision/preflight.js';
import { SupervisorControl, SystemdControl, type ServiceState } from './provision/service-control.js';

export type SurveyOptions = Pick<ConnectAllOptions, 'specDir' | 'stateDir' | 'agentSocket' | 'connect'>;

export interface HostSurvey {
  host: HostConfig;
  /** The services gardenos runs on this host, from its roles (K3s is not supervised by gardenos). */
  expected: string[];
  /** Set when the host could not be read over SSH: why, in one sentence with its fix. */
  error?: string;
  facts?: HostFacts;
  states?: Map<string, ServiceState>;
}

export function expectedServices(spec: Spec, host: HostConfig): string[] {
  const c = hostComponents(spec, host);
  return [
    ...(c.etcd ? [SERVICE_NAMES.etcd] : []),
    ...(c.patroni ? [SERVICE_NAMES.patroni] : []),
    ...(c.haproxy ? [SERVICE_NAMES.haproxy] : []),
    ...(c.pgbouncer ? [SERVICE_NAMES.pgbouncer] : []),
    ...(c.router ? [SERVICE_NAMES.router] : []),
    ...(c.pgbackrest ? [SERVICE_NAMES.pgbackrest] : []),
    ...(c.postgresExporter ? [SERVICE_NAMES.postgresExporter] : []),
    ...(c.gardenosExporter ? [SERVICE_NAMES.gardenosExporter] : []),
    ...(c.prometheus ? [SERVICE_NAMES.prometheus] : []),
  ];
}

/** Surveys every host at once; a host that cannot be read is reported, never thrown. */
export async function surveyHosts(spec: Spec, o: SurveyOptions): Promise<HostSurvey[]> {
  return Promise.all(
    (spec.hosts ?? []).map(async (host): Promise<HostSurvey> => {
      const expected = expectedServices(spec, host);
      try {
        const shells = await connectAll([host], { ...o, acceptNewHostKey: [] });
        const shell = shells.get(host.name)!;
        try {
          const facts = await gatherFacts(shell);
          const control = facts.init === 'systemd' ? new SystemdControl(shell) : new SupervisorControl(shell, '');
          return { host, expected, facts, states: await control.states() };
        } finally {
          await shell.close();
        }
      } catch (err) {
        return { host, expected, error: describeCause(err) };
      }
    }),
  );
}
