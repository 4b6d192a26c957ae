// Renders the services of a host as /etc/gardenos/services.json, what gardenos's own supervisor runs
// where systemd is not PID 1 (the lab's network namespaces, containers). Same values as the units.
import type { HostService } from './model.js';
import { HOSTS_HEADER } from './paths.js';

/** Bumped when a field changes meaning, so an older supervisor refuses a manifest it would misread. */
export const SERVICES_MANIFEST_FORMAT = 1;

export interface ServicesManifest {
  comment: string;
  format: number;
  host: string;
  /** In start order; a service starts after the ones named in its `after` that are listed here. */
  services: (Omit<HostService, 'directories'> & { directories: { path: string; mode: string }[] })[];
}

export function buildServicesManifest(host: string, services: readonly HostService[]): ServicesManifest {
  return {
    comment: HOSTS_HEADER,
    format: SERVICES_MANIFEST_FORMAT,
    host,
    services: services.map((s) => ({
      name: s.name,
      description: s.description,
      unit: s.unit,
      user: s.user,
      group: s.group,
      exec: [...s.exec],
      environmentFiles: [...s.environmentFiles],
      environment: { ...s.environment },
      after: [...s.after],
      wants: [...s.wants],
      ...(s.workingDirectory ? { workingDirectory: s.workingDirectory } : {}),
      restart: { ...s.restart },
      limits: { ...s.limits },
      stop: { ...s.stop },
      // Octal text, as a reader of the file writes modes.
      directories: s.directories.map((d) => ({ path: d.path, mode: d.mode.toString(8).padStart(4, '0') })),
      logFile: s.logFile,
    })),
  };
}

export function renderServicesManifest(host: string, services: readonly HostService[]): string {
  return JSON.stringify(buildServicesManifest(host, services), null, 2) + '\n';
}
