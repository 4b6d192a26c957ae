// The hosts target's renderers: pure, spec + generated secrets and certificates in, files and services out.
export { renderHost } from './bundle.js';
export { renderHostSummary } from './summary.js';
export { etcdClientAccess, hostEtcdClient, type EtcdClientAccess } from './etcd-client.js';
export { hostComponents, type HostComponents } from './components.js';
export { renderSystemdUnit, renderSystemdDropIn } from './systemd.js';
export {
  renderServicesManifest,
  buildServicesManifest,
  SERVICES_MANIFEST_FORMAT,
  type ServicesManifest,
} from './supervisor.js';
export { parseEnvFile } from './env-file.js';
export { HOST_PATHS, HOST_USERS, SERVICE_NAMES, HOSTS_HEADER, OWN_ROOTS, FOREIGN_PATHS } from './paths.js';
export {
  DEFAULT_HOST_PROGRAMS,
  type HostBundle,
  type HostFile,
  type HostService,
  type HostDirectory,
  type HostsSecrets,
  type HostTlsMaterial,
  type HostPrograms,
  type HostRenderInput,
} from './model.js';
