// The Patroni StatefulSet on the shared etcd (etcd3), its config, Services, and PodDisruptionBudget.
import { stringify } from 'yaml';
import type { Spec } from '../../spec/index.js';
import { buildPatroniConfig, LOCAL_SOCKET_HBA, OWN_CONNECTIONS_OVER_SOCKET, ROLE_NAMES } from '../patroni.js';
import { etcdEndpoints } from './base.js';
import { etcdTlsVolume, patroniEtcdTls } from './etcd-tls.js';
import {
  labelsOf,
  metadata,
  namesOf,
  PATRONI_PORT,
  PG_PORT,
  PG_SOCKET_DIR,
  scrapeAnnotations,
  secretEnv,
  selectorOf,
  type K8sObject,
} from './meta.js';
import {
  containerSecurityContext,
  imageProfiles,
  podSecurityContext,
  writableMounts,
  writableVolumes,
} from './image-profiles.js';
import { containerResources } from './resources.js';

const PGDATA_MOUNT = '/home/postgres/pgdata';
const DATA_DIR = `${PGDATA_MOUNT}/pgroot/data`;

/**
 * pg_hba on Kubernetes: pods connect from the pod network (the journal's hours-long outage was a pg_hba
 * that did not list it). scram-sha-256 everywhere, never trust.
 */
export function renderK8sPgHba(spec: Spec): string[] {
  const clientNets = [...new Set([spec.k8s.podCidr, ...spec.postgres.allowedClientCidrs])];
  return [
    ...LOCAL_SOCKET_HBA,
    `host replication ${ROLE_NAMES.replication} ${spec.k8s.podCidr} scram-sha-256`,
    ...clientNets.map((net) => `host all all ${net} scram-sha-256`),
  ];
}

/** patroni.yml without any secret: passwords and pod addresses arrive as PATRONI_* env vars. */
export function buildK8sPatroniConfig(spec: Spec): Record<string, unknown> {
  // The local renderer owns the DCS timings and PostgreSQL parameters; take them from it so both targets agree.
  const local = buildPatroniConfig({
    spec,
    topology: { etcd: [], nodes: [], patroniScheme: 'http' },
    node: { name: 'x', host: '0.0.0.0', pgPort: PG_PORT, apiPort: PATRONI_PORT, nofailover: false },
    secrets: { superuserPassword: '', replicationPassword: '', rewindPassword: '', restapiPassword: '' },
    dataDir: DATA_DIR,
    binDir: '',
    runDir: PG_SOCKET_DIR,
  }) as { bootstrap: { dcs: unknown; initdb: unknown } };
  const pgHba = renderK8sPgHba(spec);
  return {
    scope: spec.name,
    namespace: `${spec.etcd.namespace}/`,
    restapi: { listen: `0.0.0.0:${PATRONI_PORT}` },
    etcd3: { hosts: etcdEndpoints(spec), protocol: spec.etcd.scheme, ...patroniEtcdTls(spec) },
    bootstrap: { dcs: local.bootstrap.dcs, initdb: local.bootstrap.initdb, pg_hba: pgHba },
    postgresql: {
      listen: `0.0.0.0:${PG_PORT}`,
      data_dir: DATA_DIR,
      bin_dir: `/usr/lib/postgresql/${spec.postgres.version}/bin`,
      pgpass: '/tmp/pgpass',
      parameters: { unix_socket_directories: PG_SOCKET_DIR },
      pg_hba: pgHba,
      use_pg_rewind: true,
      ...OWN_CONNECTIONS_OVER_SOCKET,
    },
    watchdog: { mode: 'off' },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
}

/**
 * The init container's script, as the postgres user (no root, no CHOWN): the pod's fsGroup makes a fresh
 * volume writable by the group, PostgreSQL wants its data dir 0700. The kubelet's fsGroup pass also
 * runs once on a volume made before fsGroup was set (its root was 0700), making every directory 2770,
 * which PostgreSQL refuses to start on: so the modes are set back on every start. The postgres user owns
 * those directories, so chmod needs no capability. A volume it cannot write (a storage class that
 * ignores fsGroup and mounts a root-owned directory) ends here, with a sentence in the pod's log.
 */
function dataDirScript(spec: Spec): string {
  const pgroot = `${PGDATA_MOUNT}/pgroot`;
  return [
    'set -e',
    `mkdir -p ${pgroot} || { echo "${PGDATA_MOUNT} is not writable by uid ${spec.k8s.postgresUid}: the storage class ignores fsGroup ${spec.k8s.postgresGid}; make the volume's root writable by that uid or gid" >&2; exit 1; }`,
    `chmod 0700 ${pgroot}`,
    `if [ -d ${DATA_DIR} ]; then chmod 0700 ${DATA_DIR}; fi`,
  ].join('\n');
}

export function renderPostgres(spec: Spec): K8sObject[] {
  const n = namesOf(spec);
  const profiles = imageProfiles(spec);
  const selector = selectorOf(spec, 'postgres');
  const env = [
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    { name: 'PATRONI_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'PATRONI_RESTAPI_CONNECT_ADDRESS', value: `$(POD_IP):${PATRONI_PORT}` },
    { name: 'PATRONI_POSTGRESQL_CONNECT_ADDRESS', value: `$(POD_IP):${PG_PORT}` },
    { name: 'PATRONI_SUPERUSER_USERNAME', value: spec.postgres.superuser },
    secretEnv('PATRONI_SUPERUSER_PASSWORD', n.postgresSecret, 'superuser-password'),
    { name: 'PATRONI_REPLICATION_USERNAME', value: ROLE_NAMES.replication },
    secretEnv('PATRONI_REPLICATION_PASSWORD', n.postgresSecret, 'replication-password'),
    { name: 'PATRONI_REWIND_USERNAME', value: ROLE_NAMES.rewind },
    secretEnv('PATRONI_REWIND_PASSWORD', n.postgresSecret, 'rewind-password'),
    { name: 'PATRONI_RESTAPI_USERNAME', value: ROLE_NAMES.restapi },
    secretEnv('PATRONI_RESTAPI_PASSWORD', n.postgresSecret, 'restapi-password'),
  ];
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: PATRONI_PORT },
    periodSeconds,
    timeoutSeconds: 3,
    failureThreshold,
  });
  const statefulSet: K8sObject = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata(spec, n.postgres, 'postgres'),
    spec: {
      serviceName: n.headless,
      replicas: spec.nodes.length,
      // Patroni, not Kubernetes, decides who leads: start every member at once instead of one by one.
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: labelsOf(spec, 'postgres'), annotations: scrapeAnnotations(PATRONI_PORT) },
        spec: {
          terminationGracePeriodSeconds: 60,
          securityContext: podSecurityContext(profiles.patroni),
          initContainers: [
            {
              name: 'data-dir-owner',
              image: spec.k8s.images.busybox,
              command: ['sh', '-c', dataDirScript(spec)],
              resources: containerResources(spec, 'dataDirOwner'),
              securityContext: containerSecurityContext(profiles.dataDirOwner),
              volumeMounts: [{ name: 'pgdata', mountPath: PGDATA_MOUNT }],
            },
          ],
          containers: [
            {
              name: 'patroni',
              image: spec.k8s.images.patroni,
              command: ['patroni', '/etc/patroni/patroni.yml'],
              env,
              ports: [
                { name: 'postgresql', containerPort: PG_PORT },
                { name: 'patroni', containerPort: PATRONI_PORT },
              ],
              // Patroni's own health: /readiness is 200 once PostgreSQL runs and (replicas) streams;
              // /liveness only says the HA loop turns, so a long recovery is never killed.
              readinessProbe: probe('/readiness', 5, 3),
              livenessProbe: { ...probe('/liveness', 10, 6), initialDelaySeconds: 30 },
              resources: containerResources(spec, 'patroni'),
              securityContext: containerSecurityContext(profiles.patroni),
              volumeMounts: [
                { name: 'pgdata', mountPath: PGDATA_MOUNT },
                { name: 'config', mountPath: '/etc/patroni', readOnly: true },
                ...writableMounts(profiles.patroni),
                ...etcdTlsVolume(spec).mounts,
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: n.patroniConfig } },
            ...writableVolumes(profiles.patroni),
            ...etcdTlsVolume(spec).volumes,
          ],
          affinity: {
            // One member per node: losing a node then costs one member, never the quorum of the data.
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' },
              ],
            },
          },
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'pgdata', labels: labelsOf(spec, 'postgres') },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: spec.k8s.storageClass,
            resources: { requests: { storage: spec.k8s.volumeSize } },
          },
        },
      ],
    },
  };
  const service = (name: string, role: 'primary' | 'replica', component: string): K8sObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(spec, name, component),
    spec: {
      type: 'ClusterIP',
      selector: { ...selector, role },
      ports: [{ name: 'postgresql', port: PG_PORT, targetPort: PG_PORT }],
    },
  });
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata(spec, n.patroniConfig, 'postgres'),
      data: {
        'patroni.yml': stringify(buildK8sPatroniConfig(spec), {
          lineWidth: 0,
          sortMapEntries: true,
          aliasDuplicateObjects: false,
          version: '1.1',
        }),
      },
    },
    statefulSet,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(spec, n.headless, 'postgres'),
      spec: {
        clusterIP: 'None',
        // Members must find each other before they are ready, or the first replica never clones.
        publishNotReadyAddresses: true,
        selector,
        ports: [
          { name: 'postgresql', port: PG_PORT, targetPort: PG_PORT },
          { name: 'patroni', port: PATRONI_PORT, targetPort: PATRONI_PORT },
        ],
      },
    },
    // role=primary / role=replica are pod labels the router sets from the etcd leader key.
    service(n.primary, 'primary', 'postgres-primary'),
    service(n.replicas, 'replica', 'postgres-replicas'),
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: metadata(spec, n.postgres, 'postgres'),
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    },
  ];
}
