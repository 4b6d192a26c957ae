// Everything one host gets, as files and services: the contract the SSH provisioner and the lab apply.
import type { Spec, HostConfig } from '../../spec/index.js';
import { hostComponents } from './components.js';
import { renderEtcdService } from './etcd.js';
import { renderHaproxyFiles, renderHaproxyService } from './haproxy.js';
import { renderK3sFiles, renderK3sService } from './k3s.js';
import {
  DEFAULT_HOST_PROGRAMS,
  type HostBundle,
  type HostFile,
  type HostRenderInput,
  type HostService,
} from './model.js';
import { HOST_PATHS } from './paths.js';
import { renderMonitoringFiles, renderMonitoringServices } from './monitoring.js';
import { renderPatroniFiles, renderPatroniService } from './patroni.js';
import { renderPgbackrestFiles, renderPgbackrestService } from './pgbackrest.js';
import { renderPgbouncerFiles, renderPgbouncerService } from './pgbouncer.js';
import { renderRouterService } from './router.js';
import { renderServicesManifest } from './supervisor.js';
import { renderSystemdDropIn, renderSystemdUnit } from './systemd.js';
import { renderTlsFiles } from './tls.js';

/** Pure: the same spec and input give the same bundle, files sorted by path, services in start order. */
export function renderHost(spec: Spec, host: HostConfig, input: HostRenderInput): HostBundle {
  if (!spec.hosts?.some((h) => h.name === host.name))
    throw new Error(`renderHost: ${host.name} is not a host of this spec`);
  const programs = { ...DEFAULT_HOST_PROGRAMS, ...input.programs };
  const runs = hostComponents(spec, host);
  const services: HostService[] = [
    ...(runs.etcd ? [renderEtcdService(spec, host, programs)] : []),
    ...(runs.patroni ? [renderPatroniService(spec, host, programs)] : []),
    ...(runs.haproxy ? [renderHaproxyService(spec, host, programs)] : []),
    ...(runs.pgbouncer ? [renderPgbouncerService(spec, host, programs)] : []),
    ...(runs.router ? [renderRouterService(spec, host, programs)] : []),
    ...(runs.pgbackrest ? [renderPgbackrestService(spec, host, programs)] : []),
    ...renderMonitoringServices(spec, host, programs),
    ...(runs.k3s ? [renderK3sService(spec, host, programs)] : []),
  ];
  const files: HostFile[] = [
    ...renderTlsFiles(runs, input.tls),
    ...(runs.patroni ? renderPatroniFiles(spec, host, programs, input.secrets, input.patroniLauncher) : []),
    ...(runs.haproxy ? renderHaproxyFiles(spec, host, input.secrets) : []),
    ...(runs.pgbouncer ? renderPgbouncerFiles(spec, host) : []),
    ...(runs.pgbackrest ? renderPgbackrestFiles(spec, host, input.secrets) : []),
    ...(runs.k3s ? renderK3sFiles(spec, host, input.secrets) : []),
    ...renderMonitoringFiles(spec, host),
    ...services.map(unitFile),
    // The supervisor re-reads its manifest itself and restarts what changed in it.
    {
      path: HOST_PATHS.servicesManifest,
      content: renderServicesManifest(host.name, services),
      mode: 0o644,
      owner: 'root',
      group: 'root',
      secret: false,
      restarts: [],
    },
  ];
  return { files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), services };
}

function unitFile(s: HostService): HostFile {
  const own = s.unit === 'own';
  return {
    path: own ? HOST_PATHS.unit(s.name) : HOST_PATHS.dropIn(s.name),
    content: own ? renderSystemdUnit(s) : renderSystemdDropIn(s),
    mode: 0o644,
    owner: 'root',
    group: 'root',
    secret: false,
    restarts: [s.name],
  };
}
