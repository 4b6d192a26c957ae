// etcd on a host: TLS on client and peer links with client certificates, static bootstrap from the etcd hosts.
import type { Spec, HostConfig } from '../../spec/index.js';
import { renderEtcdArgs } from '../etcd.js';
import { hostsTopology } from '../topology.js';
import type { HostPrograms, HostService } from './model.js';
import { BASE_ENVIRONMENT, HOST_PATHS, HOST_USERS, SERVICE_NAMES } from './paths.js';

export function renderEtcdService(spec: Spec, host: HostConfig, programs: HostPrograms): HostService {
  const topology = hostsTopology(spec);
  const member = topology.etcd.find((m) => m.name === host.name);
  if (!member) throw new Error(`renderEtcdService: host ${host.name} has no etcd role`);
  const args = renderEtcdArgs({
    spec,
    topology,
    member,
    dataDir: HOST_PATHS.etcd.dataDir,
    // The peers use the host's own certificate: its SANs name the private address, so one file serves both links.
    tls: { caFile: HOST_PATHS.tls.ca, certFile: HOST_PATHS.tls.cert, keyFile: HOST_PATHS.tls.key('etcd') },
    // Loopback too, for etcdctl on the host; clients on the network use the advertised private address.
    extraListenClientUrls: [`https://127.0.0.1:${member.clientPort}`],
  });
  return {
    name: SERVICE_NAMES.etcd,
    description: `gardenos etcd member ${member.name} (cluster ${spec.name})`,
    user: HOST_USERS.etcd,
    group: HOST_USERS.etcd,
    exec: [programs.etcd, ...args],
    environmentFiles: [],
    environment: { ...BASE_ENVIRONMENT, HOME: HOST_PATHS.etcd.dataDir },
    after: ['network-online.target'],
    wants: ['network-online.target'],
    workingDirectory: HOST_PATHS.etcd.dataDir,
    restart: { policy: 'always', delaySec: 5 },
    limits: { noFile: 65536 },
    stop: { timeoutSec: 30, mainProcessOnly: false },
    // etcd refuses a data dir others can read.
    directories: [{ path: HOST_PATHS.etcd.dataDir, mode: 0o700 }],
    logFile: HOST_PATHS.logFile(SERVICE_NAMES.etcd),
    unit: 'own',
  };
}
