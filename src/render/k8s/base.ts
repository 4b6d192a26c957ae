// Namespace, the optional default StorageClass, the router's RBAC and Deployment, and the Secrets.
import { GardenError } from '../../errors.js';
import type { Spec } from '../../spec/index.js';
import {
  labelsOf,
  metadata,
  namesOf,
  PG_PORT,
  ROUTER_HTTP_PORT,
  selectorOf,
  type K8sInput,
  type K8sObject,
} from './meta.js';
import { appRole } from '../topology.js';
import { APP_PASSWORD_KEY } from './app-role.js';
import { etcdTlsVolume, routerEtcdTlsArgs, usesEtcdTls } from './etcd-tls.js';
import { containerSecurityContext, imageProfiles, podSecurityContext } from './image-profiles.js';
import { renderNetworkPolicies } from './network-policies.js';
import { containerResources } from './resources.js';

/**
 * The namespace, and its network boundary with it (network-policies.ts): the default-deny and the
 * policies that allow each flow go in one step, before any pod, so no pod ever runs denied without its
 * allows. Pod Security Admission enforces "restricted" there: a pod that lost its securityContext is
 * refused by the API server, not just missed by a test.
 */
export function renderNamespace(spec: Spec): K8sObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: spec.k8s.namespace,
        labels: { ...labelsOf(spec, 'namespace'), ...POD_SECURITY_LABELS },
      },
    },
    ...renderNetworkPolicies(spec),
  ];
}

export const POD_SECURITY_LABELS = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/warn': 'restricted',
};

/** K3s's local-path StorageClass, marked default. Only rendered on request: it is cluster-wide. */
export function renderStorage(spec: Spec): K8sObject[] {
  if (!spec.k8s.makeStorageClassDefault) return [];
  return [
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: {
        name: spec.k8s.storageClass,
        labels: labelsOf(spec, 'storage'),
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
      },
      provisioner: 'rancher.io/local-path',
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
    },
  ];
}

/**
 * The router labels the leader pod role=primary and the others role=replica. It may list and watch
 * pods, and get and patch only the Patroni StatefulSet's own pods, by name.
 */
export function renderRbac(spec: Spec): K8sObject[] {
  const n = namesOf(spec);
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(spec, n.router, 'router') },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: metadata(spec, n.router, 'router'),
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
        {
          apiGroups: [''],
          resources: ['pods'],
          verbs: ['get', 'patch'],
          resourceNames: spec.nodes.map((_, i) => `${n.postgres}-${i}`),
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: metadata(spec, n.router, 'router'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: n.router },
      subjects: [{ kind: 'ServiceAccount', name: n.router, namespace: spec.k8s.namespace }],
    },
  ];
}

export function etcdEndpoints(spec: Spec): string[] {
  if (spec.k8s.etcdEndpoints.length === 0) {
    throw new GardenError(
      'RENDER_INPUT',
      'k8s.etcdEndpoints is empty: Patroni and the router on Kubernetes need the shared etcd cluster.',
      {
        hint: 'list the etcd client endpoints in gardenos.yaml, e.g. k8s: { etcdEndpoints: [etcd1.internal:2379, etcd2.internal:2379, etcd3.internal:2379] }',
      },
    );
  }
  return spec.k8s.etcdEndpoints;
}

/**
 * The router's probes: its HTTP server answers GET /healthz with 200 from the process's event loop
 * (src/router/server.ts), and says nothing about etcd or the last cycle. So liveness restarts a router
 * whose loop is stuck or whose server died; an unreachable etcd never restarts it (a restart would not
 * bring etcd back; it re-reads on its timer). Nothing sends it traffic, so readiness only gates a rollout.
 */
function routerProbe(periodSeconds: number, failureThreshold: number) {
  return {
    httpGet: { path: '/healthz', port: ROUTER_HTTP_PORT },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold,
  };
}

/** The router (another component's code): one replica; it compares states on a timer, so a restart heals. */
export function renderRouter(spec: Spec): K8sObject[] {
  const n = namesOf(spec);
  const profile = imageProfiles(spec).router;
  const endpoints = etcdEndpoints(spec)
    .map((e) => `${spec.etcd.scheme}://${e}`)
    .join(',');
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadata(spec, n.router, 'router'),
      spec: {
        replicas: 1,
        selector: { matchLabels: selectorOf(spec, 'router') },
        template: {
          metadata: { labels: labelsOf(spec, 'router') },
          spec: {
            serviceAccountName: n.router,
            securityContext: podSecurityContext(profile),
            containers: [
              {
                name: 'router',
                image: spec.k8s.images.router,
                command: ['gardenos'],
                args: [
                  'router',
                  '--target',
                  'k8s',
                  '--namespace',
                  spec.k8s.namespace,
                  '--scope',
                  spec.name,
                  '--dcs-namespace',
                  spec.etcd.namespace,
                  '--etcd',
                  endpoints,
                  ...routerEtcdTlsArgs(spec),
                  '--pod-selector',
                  `app.kubernetes.io/component=postgres,app.kubernetes.io/instance=${spec.name}`,
                  // Its default on k8s too; given here because the probes below depend on it.
                  '--listen',
                  `0.0.0.0:${ROUTER_HTTP_PORT}`,
                ],
                ports: [{ name: 'http', containerPort: ROUTER_HTTP_PORT }],
                readinessProbe: routerProbe(5, 3),
                livenessProbe: { ...routerProbe(10, 3), initialDelaySeconds: 10 },
                resources: containerResources(spec, 'router'),
                securityContext: containerSecurityContext(profile),
                volumeMounts: etcdTlsVolume(spec).mounts,
              },
            ],
            volumes: etcdTlsVolume(spec).volumes,
          },
        },
      },
    },
  ];
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function secret(spec: Spec, name: string, component: string, data: Record<string, string>): K8sObject {
  const sorted = Object.keys(data).sort();
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata(spec, name, component),
    type: 'Opaque',
    data: Object.fromEntries(sorted.map((k) => [k, b64(data[k]!)])),
  };
}

/** The only objects that carry secret values; everything else refers to them with secretKeyRef. */
export function renderSecrets({ spec, secrets, etcdTls }: K8sInput): K8sObject[] {
  const n = namesOf(spec);
  const pg = secrets.postgres;
  const out = [
    // Only where pods talk to etcd: on the hosts target PostgreSQL and its router run on the servers.
    ...(usesEtcdTls(spec) && etcdTls && !spec.hosts
      ? [
          secret(spec, n.etcdClientSecret, 'postgres', {
            'ca.crt': etcdTls.ca,
            'tls.crt': etcdTls.cert,
            'tls.key': etcdTls.key,
          }),
        ]
      : []),
    secret(spec, n.postgresSecret, 'postgres', {
      'superuser-password': pg.superuserPassword,
      'replication-password': pg.replicationPassword,
      'rewind-password': pg.rewindPassword,
      'restapi-password': pg.restapiPassword,
    }),
  ];
  if (spec.services.length > 0) {
    // The services' own role (created by the app-role Job), never the superuser.
    const { role, database } = appRole(spec);
    const url = (host: string) =>
      `postgresql://${encodeURIComponent(role)}:${encodeURIComponent(secrets.appPassword)}@${host}:${PG_PORT}/${encodeURIComponent(database)}`;
    out.push(
      secret(spec, n.appDbSecret, 'services', {
        'database-url': url(n.primary),
        'database-read-url': url(n.replicas),
        [APP_PASSWORD_KEY]: secrets.appPassword,
      }),
    );
  }
  if (spec.supabase.enabled) {
    const sb = secrets.supabase;
    if (!sb) {
      throw new GardenError('RENDER_INPUT', 'supabase.enabled is true but the secrets input has no Supabase secrets.', {
        hint: 'let `gardenos render` generate them (it stores them 0600 next to the state dir), or add them to the --secrets file',
      });
    }
    const dbUrl = (user: string, password: string) =>
      `postgres://${user}:${encodeURIComponent(password)}@${n.primary}:${PG_PORT}/postgres`;
    out.push(
      secret(spec, n.supabaseSecret, 'supabase', {
        'jwt-secret': sb.jwtSecret,
        'anon-key': sb.anonKey,
        'service-role-key': sb.serviceRoleKey,
        'authenticator-password': sb.passwords.authenticator,
        'auth-admin-password': sb.passwords.supabase_auth_admin,
        'storage-admin-password': sb.passwords.supabase_storage_admin,
        'auth-database-url': dbUrl('supabase_auth_admin', sb.passwords.supabase_auth_admin),
        'rest-database-url': dbUrl('authenticator', sb.passwords.authenticator),
        'storage-database-url': dbUrl('supabase_storage_admin', sb.passwords.supabase_storage_admin),
      }),
    );
  }
  return out;
}
