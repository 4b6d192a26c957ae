// The zod schema of the Kubernetes target and the app layer: k8s, supabase, services[], routing.
import { z } from 'zod';
import { checkedString, hostNameProblem, hostPortProblem, httpUrlProblem } from './addresses.js';

const dnsLabel = z.string().regex(/^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/, {
  error: 'must be 1-40 characters of lowercase letters, digits and "-", starting with a letter',
});

/** A Kubernetes resource quantity such as 10Gi, 512Mi, 250m or 2. */
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/, {
  error: 'must be a Kubernetes quantity such as 10Gi, 512Mi, 250m or 2',
});

/** An image with a pinned tag or digest: "latest" or no tag drifts between nodes and restarts. */
const pinnedImage = z
  .string()
  .regex(/^[a-z0-9./_-]+(:[A-Za-z0-9._-]+|@sha256:[a-f0-9]{64})$/, {
    error: 'must be an image with a pinned tag or digest, such as postgrest/postgrest:v12.2.12',
  })
  .refine((s) => !s.endsWith(':latest'), { error: 'must pin a version; ":latest" changes under you' });

const resourceSpec = z.strictObject({
  requests: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
  limits: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
});

/** Default images; pinned, and bumped deliberately. None of them was pulled on the machine that wrote this. */
export const DEFAULT_IMAGES = {
  patroni: 'ghcr.io/zalando/spilo-17:4.0-p2',
  router: 'ghcr.io/gardenos/gardenos:0.1.0',
  psql: 'postgres:17.5-bookworm',
  busybox: 'busybox:1.36.1',
  auth: 'supabase/gotrue:v2.177.0',
  rest: 'postgrest/postgrest:v12.2.12',
  storage: 'supabase/storage-api:v1.25.7',
} as const;

const imagesSpec = z.strictObject(
  Object.fromEntries(Object.entries(DEFAULT_IMAGES).map(([k, v]) => [k, pinnedImage.default(v)])) as {
    [K in keyof typeof DEFAULT_IMAGES]: z.ZodDefault<typeof pinnedImage>;
  },
);

export const k8sSpec = z.strictObject({
  namespace: dnsLabel.default('gardenos').describe('Namespace every object goes into'),
  storageClass: dnsLabel.default('local-path').describe('StorageClass of the PostgreSQL and Storage volumes'),
  makeStorageClassDefault: z.boolean().default(false).describe('Render local-path as the default StorageClass (K3s)'),
  volumeSize: quantity.default('10Gi').describe('Size of each PostgreSQL volume'),
  etcdEndpoints: z
    .array(checkedString(hostPortProblem))
    .default([])
    .describe('etcd client endpoints (host:port) Patroni uses through the etcd3 API; required for render --target k8s'),
  etcdClientTls: z
    .strictObject({
      caFile: z.string().min(1).describe("PEM file of the CA that signed the etcd cluster's certificates"),
      certFile: z.string().min(1).describe('PEM client certificate etcd accepts (client-cert-auth)'),
      keyFile: z.string().min(1).describe('PEM private key of that certificate'),
    })
    .optional()
    .describe(
      'With etcd.scheme https (the default): the files the etcd Secret is made from, mounted into Patroni and the router; relative to the spec file',
    ),
  podCidr: z.string().default('10.42.0.0/16').describe('Pod network allowed in pg_hba (K3s default 10.42.0.0/16)'),
  postgresUid: z.number().int().min(1).default(101).describe('UID of the postgres user in the Patroni image'),
  postgresGid: z.number().int().min(1).default(103).describe('GID of the postgres user in the Patroni image'),
  images: imagesSpec.prefault({}),
  resources: z
    .strictObject({
      postgres: resourceSpec.default({ requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } }),
      router: resourceSpec.default({ requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '128Mi' } }),
      supabase: resourceSpec.default({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } }),
      services: resourceSpec.default({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } }),
    })
    .prefault({}),
});

export const SUPABASE_SERVICES = ['auth', 'rest', 'storage'] as const;

export const supabaseSpec = z.strictObject({
  enabled: z.boolean().default(false).describe('Bootstrap the Supabase roles and schemas; render auth, rest, storage'),
  siteUrl: checkedString(httpUrlProblem)
    .default('http://localhost:3000')
    .describe('GoTrue GOTRUE_SITE_URL (http:// or https:// URL)'),
  apiExternalUrl: checkedString(httpUrlProblem)
    .default('http://localhost:8000')
    .describe('GoTrue API_EXTERNAL_URL (http:// or https:// URL)'),
  services: z
    .array(z.enum(SUPABASE_SERVICES))
    .min(1)
    .default([...SUPABASE_SERVICES])
    .describe('Which Supabase services run'),
  storageSize: quantity.default('10Gi').describe('Size of the Storage file backend volume'),
  jwtExpirySeconds: z.number().int().min(60).max(604800).default(3600).describe('Lifetime of GoTrue user tokens'),
});

export const SERVICE_NEEDS = ['primary', 'replicas'] as const;

export const serviceSpec = z.strictObject({
  name: dnsLabel,
  image: pinnedImage.optional().describe('Container image (Kubernetes target)'),
  command: z.array(z.string().min(1)).min(1).optional().describe('argv to run it locally under the supervisor'),
  cwd: z.string().min(1).optional().describe('Working directory of the local command (absolute)'),
  port: z.number().int().min(1024).max(65535).describe('Port it listens on (PORT is set to it)'),
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name' }), z.string())
    .default({})
    .describe('Extra environment (no secrets: they would be stored in plain text)'),
  replicas: z.number().int().min(1).max(20).default(2).describe('Replicas on Kubernetes'),
  healthPath: z.string().regex(/^\//, { error: 'must start with /' }).default('/health'),
  needs: z
    .array(z.enum(SERVICE_NEEDS))
    .min(1)
    .default(['primary'])
    .describe('DATABASE_URL (primary) and/or DATABASE_READ_URL (replicas)'),
  routes: z
    .array(z.string().regex(/^\/[A-Za-z0-9._~/-]*$/, { error: 'must be a path prefix such as /api' }))
    .default([])
    .describe('Path prefixes routed to it, e.g. ["/api"]'),
});

export const routingSpec = z.strictObject({
  host: checkedString(routingHostProblem)
    .default('gardenos.local')
    .describe('Host name the Gateway or Ingress serves (lower case, DNS labels of 1-63 characters)'),
  tlsSecret: dnsLabel.optional().describe('Secret with the TLS certificate for host'),
  mode: z
    .enum(['gatewayApi', 'ingress'])
    .default('gatewayApi')
    .describe('Gateway API HTTPRoutes, or networking.k8s.io/v1 Ingress'),
  gatewayClass: dnsLabel.default('traefik').describe('GatewayClass of the rendered Gateway (K3s ships Traefik)'),
  // Traefik's Gateway listeners must use its entrypoint ports (web 8000, websecure 8443).
  httpPort: z.number().int().min(1).max(65535).default(8000),
  httpsPort: z.number().int().min(1).max(65535).default(8443),
  ingressClass: dnsLabel.default('nginx').describe('IngressClass when mode is ingress'),
});

/** Kubernetes compares Ingress and HTTPRoute hosts in lower case and refuses capitals. */
function routingHostProblem(host: string) {
  if (/[A-Z]/.test(host))
    return {
      message: `"${host}" has capital letters; Kubernetes only accepts lower-case host names`,
      hint: `write "${host.toLowerCase()}"`,
    };
  return hostNameProblem(host);
}

export type K8sSettings = z.output<typeof k8sSpec>;
export type SupabaseSettings = z.output<typeof supabaseSpec>;
export type ServiceSettings = z.output<typeof serviceSpec>;
export type RoutingSettings = z.output<typeof routingSpec>;
