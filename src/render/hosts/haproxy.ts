// HAProxy on a host: the primary and replica ports over every postgres host (Patroni checked over
// https), the stats page behind a password from the environment, and the K3s API frontend.
import { hostsWithRole, type HostConfig, type Spec } from '../../spec/index.js';
import { renderHaproxyConfig } from '../haproxy.js';
import { hostsTopology } from '../topology.js';
import { renderEnvFile } from './env-file.js';
import { withHostsHeader } from './header.js';
import type { HostFile, HostPrograms, HostService, HostsSecrets } from './model.js';
import { BASE_ENVIRONMENT, HOST_PATHS, HOST_USERS, SERVICE_NAMES } from './paths.js';

/** HAProxy expands it inside the double-quoted `stats auth` argument, so the password is never in the file. */
export const STATS_PASSWORD_VAR = 'GARDENOS_HAPROXY_STATS_PASSWORD';
export const STATS_USER = 'admin';
export const K3S_BACKEND = 'k3s-api';

/**
 * kubectl and the K3s agents reach the API on any of the host's addresses: the public one is often
 * NAT'd by the provider and not on an interface, so this one listener binds every address. K3s
 * authenticates every request; a plain TCP check is used because /readyz answers 401 to anonymous
 * HTTP checks (k3s-io/k3s#3576).
 */
export function renderK3sFrontend(spec: Spec): string[] {
  const k3s = spec.k3s;
  if (!k3s?.enabled) return [];
  const servers = hostsWithRole(spec, 'k3s-server');
  if (servers.length === 0) return [];
  return [
    `listen ${K3S_BACKEND}`,
    '    mode tcp',
    `    bind :${k3s.apiPort}`,
    '    balance roundrobin',
    '    option tcp-check',
    '    default-server inter 2s fall 3 rise 2 on-marked-down shutdown-sessions',
    ...servers.map((h) => `    server ${h.name} ${h.address}:${k3s.serverPort} check`),
    '',
  ];
}

export function renderHostHaproxyConfig(spec: Spec, host: HostConfig): string {
  return withHostsHeader(
    renderHaproxyConfig({
      spec,
      topology: hostsTopology(spec),
      adminSocket: HOST_PATHS.haproxy.adminSocket,
      host: host.address,
      checkCaFile: HOST_PATHS.tls.ca,
      statsLines: [`stats auth "${STATS_USER}:\${${STATS_PASSWORD_VAR}}"`],
      extraSections: renderK3sFrontend(spec),
    }),
  );
}

export function renderHaproxyFiles(spec: Spec, host: HostConfig, secrets: HostsSecrets): HostFile[] {
  const restarts = [SERVICE_NAMES.haproxy];
  return [
    {
      path: HOST_PATHS.haproxy.config,
      content: renderHostHaproxyConfig(spec, host),
      mode: 0o644,
      owner: 'root',
      group: 'root',
      secret: false,
      restarts,
    },
    {
      path: HOST_PATHS.secrets.haproxy,
      content: renderEnvFile({ [STATS_PASSWORD_VAR]: secrets.haproxyStatsPassword }),
      mode: 0o600,
      owner: 'root',
      group: 'root',
      secret: true,
      restarts,
    },
  ];
}

export function renderHaproxyService(spec: Spec, host: HostConfig, programs: HostPrograms): HostService {
  return {
    name: SERVICE_NAMES.haproxy,
    description: `gardenos HAProxy on ${host.name}: primary :${spec.haproxy.primaryPort}, replicas :${spec.haproxy.replicaPort} (cluster ${spec.name})`,
    user: HOST_USERS.haproxy,
    group: HOST_USERS.haproxy,
    // -db: stay in the foreground, so the supervised pid is HAProxy's own.
    exec: [programs.haproxy, '-db', '-f', HOST_PATHS.haproxy.config],
    environmentFiles: [HOST_PATHS.secrets.haproxy],
    environment: { ...BASE_ENVIRONMENT },
    after: ['network-online.target'],
    wants: ['network-online.target'],
    workingDirectory: HOST_PATHS.haproxy.runDir,
    restart: { policy: 'always', delaySec: 2 },
    limits: { noFile: 65536 },
    stop: { timeoutSec: 10, mainProcessOnly: false },
    // The admin socket's directory; the router (same user) writes server states there.
    directories: [{ path: HOST_PATHS.haproxy.runDir, mode: 0o750 }],
    logFile: HOST_PATHS.logFile(SERVICE_NAMES.haproxy),
    unit: 'own',
  };
}
