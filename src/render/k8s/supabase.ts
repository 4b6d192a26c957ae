// Supabase on Kubernetes: the DB bootstrap Job, and GoTrue, PostgREST and Storage wired to the primary Service.
import type { Spec } from '../../spec/index.js';
import { BOOTSTRAP_PASSWORD_ENV, psqlBootstrapScript } from '../../supabase/index.js';
import { labelsOf, metadata, namesOf, scrapeAnnotations, secretEnv, selectorOf, type K8sObject } from './meta.js';
import {
  containerSecurityContext,
  imageProfiles,
  podSecurityContext,
  writableMounts,
  writableVolumes,
  type ImageProfile,
} from './image-profiles.js';
import { containerResources } from './resources.js';
import { renderPsqlJob } from './psql-job.js';

export const SUPABASE_PORTS = { auth: 9999, rest: 3000, storage: 5000 } as const;
const REST_ADMIN_PORT = 3001;

export function renderSupabaseBootstrap(spec: Spec): K8sObject[] {
  if (!spec.supabase.enabled) return [];
  const n = namesOf(spec);
  return renderPsqlJob(spec, {
    name: n.bootstrap,
    component: 'supabase-bootstrap',
    container: 'bootstrap',
    mountPath: '/bootstrap',
    file: 'bootstrap.sql',
    script: psqlBootstrapScript(),
    env: [
      secretEnv(BOOTSTRAP_PASSWORD_ENV.authenticator, n.supabaseSecret, 'authenticator-password'),
      secretEnv(BOOTSTRAP_PASSWORD_ENV.supabase_auth_admin, n.supabaseSecret, 'auth-admin-password'),
      secretEnv(BOOTSTRAP_PASSWORD_ENV.supabase_storage_admin, n.supabaseSecret, 'storage-admin-password'),
    ],
  });
}

interface AppContainer {
  component: 'auth' | 'rest' | 'storage';
  image: string;
  port: number;
  env: unknown[];
  probePort: number;
  readyPath: string;
  livePath: string;
  replicas: number;
  /** Recreate: GoTrue migrates without a lock, Storage has a ReadWriteOnce volume. */
  recreate: boolean;
  annotations?: Record<string, string>;
  volume?: { claim: string; mountPath: string };
}

function deploymentAndService(spec: Spec, c: AppContainer): K8sObject[] {
  const name = namesOf(spec).supabase(c.component);
  const component = `supabase-${c.component}`;
  const profile: ImageProfile = imageProfiles(spec)[c.component];
  const volumeMounts = [
    ...(c.volume ? [{ name: 'data', mountPath: c.volume.mountPath }] : []),
    ...writableMounts(profile),
  ];
  const volumes = [
    ...(c.volume ? [{ name: 'data', persistentVolumeClaim: { claimName: c.volume.claim } }] : []),
    ...writableVolumes(profile),
  ];
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadata(spec, name, component),
      spec: {
        replicas: c.replicas,
        strategy: { type: c.recreate ? 'Recreate' : 'RollingUpdate' },
        selector: { matchLabels: selectorOf(spec, component) },
        template: {
          metadata: { labels: labelsOf(spec, component), ...(c.annotations ? { annotations: c.annotations } : {}) },
          spec: {
            securityContext: podSecurityContext(profile),
            containers: [
              {
                name: c.component,
                image: c.image,
                env: c.env,
                ports: [{ name: 'http', containerPort: c.port }],
                readinessProbe: {
                  httpGet: { path: c.readyPath, port: c.probePort },
                  periodSeconds: 5,
                  failureThreshold: 3,
                },
                livenessProbe: {
                  httpGet: { path: c.livePath, port: c.probePort },
                  periodSeconds: 10,
                  failureThreshold: 6,
                  initialDelaySeconds: 20,
                },
                resources: containerResources(spec, 'supabase'),
                securityContext: containerSecurityContext(profile),
                ...(volumeMounts.length > 0 ? { volumeMounts } : {}),
              },
            ],
            ...(volumes.length > 0 ? { volumes } : {}),
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(spec, name, component),
      spec: {
        type: 'ClusterIP',
        selector: selectorOf(spec, component),
        ports: [{ name: 'http', port: c.port, targetPort: c.port }],
      },
    },
  ];
}

/** One component per Supabase service, each a Deployment and a Service (Storage also its volume). */
export function renderSupabaseServices(spec: Spec): { name: string; objects: K8sObject[] }[] {
  if (!spec.supabase.enabled) return [];
  const n = namesOf(spec);
  const s = n.supabaseSecret;
  const jwt = (name: string) => secretEnv(name, s, 'jwt-secret');
  const byName = {
    auth: (): K8sObject[] =>
      deploymentAndService(spec, {
        component: 'auth',
        image: spec.k8s.images.auth,
        port: SUPABASE_PORTS.auth,
        probePort: SUPABASE_PORTS.auth,
        readyPath: '/health',
        livePath: '/health',
        replicas: 1,
        recreate: true,
        env: [
          { name: 'API_EXTERNAL_URL', value: spec.supabase.apiExternalUrl },
          { name: 'GOTRUE_API_HOST', value: '0.0.0.0' },
          { name: 'GOTRUE_API_PORT', value: String(SUPABASE_PORTS.auth) },
          { name: 'GOTRUE_DB_DRIVER', value: 'postgres' },
          secretEnv('GOTRUE_DB_DATABASE_URL', s, 'auth-database-url'),
          { name: 'GOTRUE_JWT_ADMIN_ROLES', value: 'service_role' },
          { name: 'GOTRUE_JWT_AUD', value: 'authenticated' },
          { name: 'GOTRUE_JWT_DEFAULT_GROUP_NAME', value: 'authenticated' },
          { name: 'GOTRUE_JWT_EXP', value: String(spec.supabase.jwtExpirySeconds) },
          jwt('GOTRUE_JWT_SECRET'),
          { name: 'GOTRUE_SITE_URL', value: spec.supabase.siteUrl },
        ],
      }),
    rest: (): K8sObject[] =>
      deploymentAndService(spec, {
        component: 'rest',
        image: spec.k8s.images.rest,
        port: SUPABASE_PORTS.rest,
        probePort: REST_ADMIN_PORT,
        readyPath: '/ready',
        livePath: '/live',
        replicas: 2,
        recreate: false,
        annotations: scrapeAnnotations(REST_ADMIN_PORT),
        env: [
          { name: 'PGRST_ADMIN_SERVER_PORT', value: String(REST_ADMIN_PORT) },
          { name: 'PGRST_DB_ANON_ROLE', value: 'anon' },
          { name: 'PGRST_DB_SCHEMAS', value: 'public,storage' },
          secretEnv('PGRST_DB_URI', s, 'rest-database-url'),
          jwt('PGRST_JWT_SECRET'),
        ],
      }),
    storage: (): K8sObject[] => [
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: metadata(spec, n.supabase('storage-data'), 'supabase-storage'),
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: spec.k8s.storageClass,
          resources: { requests: { storage: spec.supabase.storageSize } },
        },
      },
      ...deploymentAndService(spec, {
        component: 'storage',
        image: spec.k8s.images.storage,
        port: SUPABASE_PORTS.storage,
        probePort: SUPABASE_PORTS.storage,
        readyPath: '/status',
        livePath: '/status',
        replicas: 1,
        recreate: true,
        volume: { claim: n.supabase('storage-data'), mountPath: '/var/lib/storage' },
        env: [
          secretEnv('ANON_KEY', s, 'anon-key'),
          jwt('AUTH_JWT_SECRET'),
          secretEnv('DATABASE_URL', s, 'storage-database-url'),
          { name: 'FILE_SIZE_LIMIT', value: '52428800' },
          { name: 'FILE_STORAGE_BACKEND_PATH', value: '/var/lib/storage' },
          { name: 'GLOBAL_S3_BUCKET', value: 'stub' },
          jwt('PGRST_JWT_SECRET'),
          { name: 'POSTGREST_URL', value: `http://${n.supabase('rest')}:${SUPABASE_PORTS.rest}` },
          { name: 'REGION', value: 'local' },
          { name: 'REQUEST_ALLOW_X_FORWARDED_PATH', value: 'true' },
          secretEnv('SERVICE_KEY', s, 'service-role-key'),
          { name: 'STORAGE_BACKEND', value: 'file' },
          { name: 'TENANT_ID', value: 'stub' },
        ],
      }),
    ],
  };
  return spec.supabase.services.map((name) => ({ name: `supabase-${name}`, objects: byName[name]() }));
}
