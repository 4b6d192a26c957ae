// A K3s server on a host: config.yaml (K3s's own path) on the hosts' etcd, and a drop-in for K3s's own
// unit that passes the datastore TLS files and the cluster token through an env file, never argv.
import { stringify } from 'yaml';
import type { Spec, HostConfig } from '../../spec/index.js';
import { hostEtcdClient } from './etcd-client.js';
import { renderEnvFile } from './env-file.js';
import type { HostFile, HostPrograms, HostService, HostsSecrets } from './model.js';
import { BASE_ENVIRONMENT, HOST_PATHS, HOST_USERS, HOSTS_HEADER, SERVICE_NAMES } from './paths.js';

function k3sOf(spec: Spec): NonNullable<Spec['k3s']> {
  if (!spec.k3s?.enabled) throw new Error('the K3s renderers need k3s.enabled');
  return spec.k3s;
}

/**
 * Servers are schedulable (no node-taint: hybrid nodes run the workloads too). Every host's addresses
 * are in tls-san, so the API answers with a valid certificate through any host's HAProxy.
 */
export function buildK3sConfig(spec: Spec, host: HostConfig): Record<string, unknown> {
  const k3s = k3sOf(spec);
  const hosts = spec.hosts ?? [];
  return {
    'node-name': host.name,
    'node-ip': host.address,
    ...(host.publicAddress ? { 'node-external-ip': host.publicAddress } : {}),
    'advertise-address': host.address,
    'https-listen-port': k3s.serverPort,
    'tls-san': [...new Set(hosts.flatMap((h) => [h.address, ...(h.publicAddress ? [h.publicAddress] : [])]))],
    'datastore-endpoint': hostEtcdClient(spec, 'k3s').urls.join(','),
    'write-kubeconfig-mode': '0600',
  };
}

export function k3sEnvironment(spec: Spec, secrets: HostsSecrets): Record<string, string> {
  const { tls } = hostEtcdClient(spec, 'k3s');
  return {
    K3S_DATASTORE_CAFILE: tls.caFile,
    K3S_DATASTORE_CERTFILE: tls.certFile,
    K3S_DATASTORE_KEYFILE: tls.keyFile,
    K3S_TOKEN: secrets.k3sToken,
  };
}

export function renderK3sFiles(spec: Spec, host: HostConfig, secrets: HostsSecrets): HostFile[] {
  const restarts = [SERVICE_NAMES.k3s];
  return [
    {
      path: HOST_PATHS.k3s.config,
      content: `# ${HOSTS_HEADER}\n` + stringify(buildK3sConfig(spec, host), { lineWidth: 0 }),
      mode: 0o644,
      owner: 'root',
      group: 'root',
      secret: false,
      restarts,
    },
    {
      path: HOST_PATHS.secrets.k3s,
      content: renderEnvFile(k3sEnvironment(spec, secrets)),
      mode: 0o600,
      owner: 'root',
      group: 'root',
      secret: true,
      restarts,
    },
  ];
}

/**
 * K3s's installer writes and owns k3s.service (`k3s server`); gardenos adds only what the drop-in
 * renders from this. Where systemd is not PID 1, the supervisor runs the same exec.
 */
export function renderK3sService(spec: Spec, host: HostConfig, programs: HostPrograms): HostService {
  const k3s = k3sOf(spec);
  const localEtcd = host.roles.includes('etcd') ? [`${SERVICE_NAMES.etcd}.service`] : [];
  return {
    name: SERVICE_NAMES.k3s,
    description: `K3s ${k3s.version} server ${host.name} on the gardenos etcd (cluster ${spec.name})`,
    user: HOST_USERS.root,
    group: HOST_USERS.root,
    exec: [programs.k3s, 'server'],
    environmentFiles: [HOST_PATHS.secrets.k3s],
    environment: { ...BASE_ENVIRONMENT },
    // The datastore is etcd: starting before the local member only makes K3s retry.
    after: ['network-online.target', ...localEtcd],
    wants: ['network-online.target', ...localEtcd],
    restart: { policy: 'always', delaySec: 5 },
    limits: { noFile: 1048576 },
    stop: { timeoutSec: 90, mainProcessOnly: true },
    directories: [],
    logFile: HOST_PATHS.logFile(SERVICE_NAMES.k3s),
    unit: 'drop-in',
  };
}
