// Every doctor check, in layer order. Adding a check means adding it here and a case in checks.test.ts.
import { dockerGroup, docker0 } from './checks-docker.js';
import { etcdHealth, etcdNoAuth, etcdScheme, staleDcsKeys } from './checks-etcd.js';
import { binaries, dataDirs, patroniEtcdV2, portsInUse, secretFiles } from './checks-host.js';
import { k8sPatroniV2, noScheduleTaints, podDataPermissions, pvcStorageClass, serviceEndpoints } from './checks-k8s.js';
import { patroniApi, patroniMembers, pgHba, pgPlaintext, replicationLag, walArchiving } from './checks-patroni.js';
import { hostsClock, hostsPrimaryRoutes, hostsReachable, hostsServices } from './checks-hosts.js';
import { backendsDown, kernelRoute, poolerAuth, poolerRoute, primaryRoute } from './checks-routing.js';
import { rootProcesses } from './checks-processes.js';
import { firingAlerts } from './checks-monitoring.js';
import type { Check } from './types.js';

export const CHECKS: readonly Check[] = [
  patroniEtcdV2,
  binaries,
  dataDirs,
  secretFiles,
  rootProcesses,
  portsInUse,
  etcdScheme,
  etcdNoAuth,
  etcdHealth,
  staleDcsKeys,
  patroniApi,
  patroniMembers,
  pgHba,
  pgPlaintext,
  replicationLag,
  walArchiving,
  primaryRoute,
  backendsDown,
  poolerRoute,
  poolerAuth,
  kernelRoute,
  firingAlerts,
  pvcStorageClass,
  noScheduleTaints,
  serviceEndpoints,
  k8sPatroniV2,
  podDataPermissions,
  dockerGroup,
  docker0,
];

/**
 * The checks of the hosts target: what any client sees over the network (etcd over TLS, the DCS, the
 * Patroni REST APIs, replication), what SSH sees on each host, each host's HAProxy and PgBouncer. The checks of
 * this machine's files, binaries and ports belong to the local target; provision's preflight covers
 * the hosts' own.
 */
export const HOSTS_CHECKS: readonly Check[] = [
  hostsReachable,
  hostsServices,
  hostsClock,
  etcdScheme,
  etcdHealth,
  staleDcsKeys,
  patroniApi,
  patroniMembers,
  pgPlaintext,
  replicationLag,
  walArchiving,
  hostsPrimaryRoutes,
  poolerRoute,
  poolerAuth,
  firingAlerts,
  pvcStorageClass,
  noScheduleTaints,
  serviceEndpoints,
  k8sPatroniV2,
  podDataPermissions,
];
