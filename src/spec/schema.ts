// The zod schema of gardenos.yaml: shapes, ranges and defaults. Cross-field rules live in rules.ts.
import { z } from 'zod';
import { absolutePathProblem, checkedString } from './addresses.js';
import { k8sSpec, routingSpec, serviceSpec, supabaseSpec } from './app-schema.js';
import { alertmanagerSpec } from './alertmanager-schema.js';
import { port, seconds } from './fields.js';
import { hostSpec, k3sSpec } from './hosts-schema.js';

/** What `gardenos spec print` says about synchronousMode when the node count decided it. */
export const SYNCHRONOUS_MODE_DEFAULT_NOTE =
  'default for 2+ nodes: a commit waits for one standby; non-strict, so a lone survivor still takes writes';

const dnsName = z.string().regex(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$|^[a-z]$/, {
  error: 'must be 1-32 characters of lowercase letters, digits and "-", starting with a letter',
});

const nodeSpec = z.strictObject({
  name: dnsName,
  pgPort: port.optional().describe('PostgreSQL port of this node (default: local.basePort + 30 + index)'),
  apiPort: port.optional().describe('Patroni REST API port of this node (default: local.basePort + 40 + index)'),
  nofailover: z.boolean().optional().describe('Never promote this node (Patroni tag nofailover)'),
});

const etcdMemberSpec = z.strictObject({
  name: dnsName,
  clientPort: port.optional().describe('etcd client port (default: local.basePort + 10 + 2*index)'),
  peerPort: port.optional().describe('etcd peer port (default: local.basePort + 11 + 2*index)'),
});

const etcdSpec = z.strictObject({
  members: z
    .union([z.number().int().min(1).max(7), z.array(etcdMemberSpec).min(1).max(7)])
    .default(3)
    .describe('Number of etcd members, or a list of {name, clientPort, peerPort}'),
  scheme: z
    .enum(['http', 'https'])
    .default('https')
    .describe(
      'URL scheme of etcd client and peer URLs; https (the default) means TLS with client certificates from a generated CA on both',
    ),
  namespace: z
    .string()
    .regex(/^\/[A-Za-z0-9_\-/]*$/, { error: 'must be an absolute key path such as /service' })
    .default('/service')
    .describe('Patroni DCS namespace: keys live under <namespace>/<name>/'),
});

/** A PostgreSQL role or database name gardenos creates (quoted as an identifier, but kept plain). */
const roleName = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, {
  error: 'must be 1-63 characters of lowercase letters, digits and "_", starting with a letter',
});

const postgresSpec = z.strictObject({
  version: z.number().int().min(13).max(17).default(15).describe('PostgreSQL major version (13-17)'),
  ttl: seconds(20, 3600).default(20).describe('Patroni leader lock TTL in seconds'),
  loopWait: seconds(1, 300).default(2).describe('Patroni HA loop interval in seconds'),
  retryTimeout: seconds(3, 600).default(5).describe('Patroni DCS and PostgreSQL retry timeout in seconds'),
  // No schema default: resolve.ts decides from the node count, so an explicit value is still visible there.
  synchronousMode: z
    .boolean()
    .optional()
    .describe(
      'Patroni synchronous_mode: a commit waits for one standby (default: true with 2 or more nodes, false with 1; ' +
        'non-strict, so a lone survivor still takes writes)',
    ),
  synchronousModeStrict: z.boolean().default(false).describe('Refuse writes when no synchronous standby is left'),
  maximumLagOnFailover: z
    .number()
    .int()
    .min(0)
    .default(1048576)
    .describe('Bytes a replica may lag and still be promoted'),
  parameters: z
    // Any case: PostgreSQL reads names case-insensitively, so rules.ts must see WAL_LEVEL to refuse it.
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, {
        error: 'must be a PostgreSQL parameter name (letters, digits, "_" and "." for extensions)',
      }),
      z.union([z.string(), z.number(), z.boolean()]),
    )
    .default({})
    .describe('Extra postgresql.conf parameters'),
  allowedClientCidrs: z
    .array(z.string())
    .min(1)
    .default(['127.0.0.1/32'])
    .describe('Client networks allowed in pg_hba (scram-sha-256)'),
  tls: z
    .enum(['required', 'preferred', 'off'])
    .default('required')
    .describe(
      'TLS on PostgreSQL and on the Patroni REST API: required (the default) accepts TCP clients and replication only over TLS; ' +
        'preferred serves TLS and still accepts plaintext; off serves plain TCP and plain http',
    ),
  superuser: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,62}$/, {
      error: 'must be 1-63 characters of lowercase letters, digits, "_" and "-", starting with a letter',
    })
    .default('postgres')
    .describe('Name of the PostgreSQL superuser (not a role gardenos, Supabase or PostgreSQL reserve)'),
  app: z
    .strictObject({
      role: roleName.default('app').describe("The services' login role: no superuser, owner of the app database"),
      database: roleName
        .default('app')
        .describe('The database the services get in DATABASE_URL, owned by the app role'),
    })
    .prefault({})
    .describe("The services' own role and database: services never get the superuser's password"),
});

const haproxySpec = z.strictObject({
  primaryPort: port.optional().describe('Port that always reaches the primary (default: local.basePort)'),
  replicaPort: port.optional().describe('Port that reaches streaming replicas (default: local.basePort + 1)'),
  statsPort: port.optional().describe('HAProxy stats page port (default: local.basePort + 2)'),
  checkIntervalMs: z.number().int().min(100).max(60000).default(1000).describe('Patroni health check interval'),
  fastIntervalMs: z
    .number()
    .int()
    .min(100)
    .max(60000)
    .optional()
    .describe(
      'Check interval while a server changes state or is DOWN (fastinter/downinter; default checkIntervalMs / 4)',
    ),
  fall: z.number().int().min(1).max(10).default(2).describe('Failed checks before a server is DOWN'),
  rise: z.number().int().min(1).max(10).default(1).describe('Passed checks before a server is UP'),
});

const routerSpec = z.strictObject({
  enabled: z.boolean().default(true).describe('Run the primary router: writes follow the leader key in milliseconds'),
  reconcileIntervalMs: z
    .number()
    .int()
    .min(500)
    .max(300000)
    .default(5000)
    .describe('Re-read the leader and compare routes this often'),
  port: port.optional().describe('Router /metrics and /status port (default: local.basePort + 3)'),
  kernelRoute: z
    .strictObject({
      enabled: z
        .boolean()
        .default(false)
        .describe(
          'Also steer a port to the leader with an nftables DNAT rule the router keeps (no proxy in the path; local target, run as root)',
        ),
      port: port.optional().describe('The kernel-routed primary port (default: local.basePort + 5)'),
    })
    .prefault({})
    .describe(
      'The lowest-overhead primary endpoint: a DNAT rule in the kernel, no pooling, no health checks of its own',
    ),
});

const poolerSpec = z.strictObject({
  enabled: z
    .boolean()
    .default(true)
    .describe(
      'Run PgBouncer in front of the leader: pooled connections, and a planned switchover paused instead of failed',
    ),
  mode: z
    .enum(['transaction', 'session'])
    .default('transaction')
    .describe(
      'transaction: a server connection per transaction (session state such as SET does not last); session: per client connection',
    ),
  port: port.optional().describe('PgBouncer port, the pooled primary endpoint (default: local.basePort + 4)'),
  poolSize: z.number().int().min(1).max(1000).default(20).describe('Server connections per database and user'),
  maxClientConn: z.number().int().min(1).max(100000).default(1000).describe('Client connections PgBouncer accepts'),
  pauseTimeoutMs: z
    .number()
    .int()
    .min(100)
    .max(600000)
    .default(10000)
    .describe('How long a planned switchover waits for in-flight transactions before it goes ahead without them'),
});

const backupSpec = z.strictObject({
  enabled: z
    .boolean()
    .default(false)
    .describe('WAL archiving to pgBackRest plus `gardenos backup` / `restore` (off by default: archiving costs I/O)'),
  repoPath: checkedString(absolutePathProblem('pgBackRest'))
    .min(1)
    .optional()
    .describe('pgBackRest repository directory, absolute (default: <stateDir>/backup/repo)'),
  retentionFull: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(2)
    .describe('Full backups pgBackRest keeps (older ones and their WAL expire)'),
  repoHost: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Hosts target: the host whose disk holds the one pgBackRest repository; the others reach it over pgBackRest TLS (default: the first postgres host)',
    ),
});

const monitoringSpec = z.strictObject({
  enabled: z
    .boolean()
    .default(true)
    .describe(
      "Run Prometheus, the PostgreSQL and PgBouncer exporters, gardenos's own exporter and the dashboard with the platform",
    ),
  host: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Hosts target: the host that runs Prometheus and evaluates the alert rules (default: the first haproxy host)',
    ),
  prometheusPort: port.optional().describe('Prometheus port (default: local.basePort + 6; on the hosts target 9090)'),
  dashboardPort: port.optional().describe('`gardenos dashboard` port (default: local.basePort + 7)'),
  postgresExporterPort: port
    .optional()
    .describe('prometheus-postgres-exporter port (default: local.basePort + 8; on the hosts target 9187)'),
  exporterPort: port
    .optional()
    .describe(
      "gardenos's own exporter (backup age, data dir disk) port (default: local.basePort + 24; on the hosts target 9188)",
    ),
  retention: z
    .string()
    .regex(/^[1-9][0-9]{0,4}(h|d|w)$/, { error: 'must be a duration such as 12h, 7d or 2w' })
    .default('7d')
    .describe('How long Prometheus keeps samples'),
  // At least 2: the postgres exporter sleeps 1 s per scrape on each node it cannot reach, so a shorter
  // interval would turn one stopped node into an exporter that seems down (and hide ReplicaNotStreaming).
  scrapeIntervalS: seconds(2, 300)
    .default(5)
    .describe('How often Prometheus scrapes and evaluates the alert rules (at least 2 s)'),
  alerts: z
    .strictObject({
      forS: seconds(0, 3600)
        .default(30)
        .describe('How long a condition must hold before its alert fires (no leader fires after half of it)'),
      replicaLagBytes: z
        .number()
        .int()
        .min(1)
        .default(16 * 1024 * 1024)
        .describe('Replay lag of a replica, in bytes, above which ReplicaLagHigh fires'),
      backupMaxAgeHours: z
        .number()
        .min(0.01)
        .max(24 * 90)
        .default(26)
        .describe('Age of the newest backup above which BackupTooOld fires (with backup.enabled)'),
      diskFreePercent: z
        .number()
        .min(0)
        .max(99)
        .default(10)
        .describe("Free space of a data dir's filesystem below which DataDiskNearlyFull fires"),
    })
    .prefault({})
    .describe('Thresholds of the alert rules'),
  alertmanager: alertmanagerSpec.describe('Alertmanager, which posts the alerts to webhooks (off by default)'),
});

const localSpec = z.strictObject({
  stateDir: z.string().min(1).optional().describe('Where data, configs, secrets and logs live'),
  basePort: port.default(15400).describe('First of the 50 ports the local platform uses'),
  bindAddress: z.ipv4({ error: 'must be an IPv4 address such as 127.0.0.1' }).default('127.0.0.1'),
  serviceUser: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, { error: 'must be a Linux user name such as gardenos-app' })
    .refine((name) => name !== 'root', { error: 'must not be root: services run without privileges' })
    .default('gardenos-app')
    .describe(
      'When gardenos runs as root: the unprivileged user the services run as (`gardenos setup` creates gardenos-app)',
    ),
});

export const specSchema = z
  .strictObject({
    name: dnsName.default('garden').describe('Cluster name; also the Patroni scope'),
    nodes: z
      .union([z.number().int().min(1).max(9), z.array(nodeSpec).min(1).max(9)])
      .default(3)
      .describe('Number of PostgreSQL nodes, or a list of {name, pgPort, apiPort}'),
    etcd: etcdSpec.prefault({}),
    postgres: postgresSpec.prefault({}),
    haproxy: haproxySpec.prefault({}),
    router: routerSpec.prefault({}),
    pooler: poolerSpec.prefault({}),
    monitoring: monitoringSpec.prefault({}),
    local: localSpec.prefault({}),
    k8s: k8sSpec.prefault({}),
    supabase: supabaseSpec.prefault({}),
    services: z
      .array(serviceSpec)
      .max(50)
      .default([])
      .describe('Your API services, run locally (command) and on Kubernetes (image)'),
    routing: routingSpec.prefault({}),
    backup: backupSpec.prefault({}),
    hosts: z
      .array(hostSpec)
      .min(1)
      .max(9)
      .optional()
      .describe('Servers to provision over SSH (the hosts target); nodes and etcd members then come from their roles'),
    k3s: k3sSpec.prefault({}).describe('K3s servers on the hosts target (hosts with the k3s-server role)'),
  })
  .describe('GardenOS platform spec (gardenos.yaml)');

export type SpecInput = z.input<typeof specSchema>;
export type ParsedSpec = z.output<typeof specSchema>;
