// Where everything of one local platform lives inside its state dir (pure path arithmetic).
import { join } from 'node:path';

export const STATE_FORMAT = 1;

export interface Layout {
  root: string;
  stateFile: string;
  specFile: string;
  secretsFile: string;
  logsDir: string;
  runDir: string;
  certsDir: string;
  haproxyDir: string;
  /** The services' home (owned by their user): the app role's password file lives here. */
  servicesDir: string;
  /** The app role's password, readable by the services' user only (0600). */
  appPasswordFile: string;
  haproxyConfig: string;
  adminSocket: string;
  /** PgBouncer's files and its admin socket: the infrastructure user's alone (0700). */
  pgbouncerDir: string;
  /** Every node's second Unix socket, where PgBouncer (the infrastructure user) may reach it (0750). */
  pgSocketDir: string;
  pgbouncerConfig: string;
  pgbouncerRouteFile: string;
  /** Prometheus's config, rules and data, the exporters' files: the infrastructure user's. */
  monitoringDir: string;
  prometheusConfig: string;
  prometheusRules: string;
  /** The postgres exporter's extra queries (recovery, replication, archiver). */
  postgresExporterQueries: string;
  prometheusDataDir: string;
  /** Alertmanager's config (0600, its user's: the webhook URLs may hold tokens) and its data dir. */
  alertmanagerConfig: string;
  alertmanagerDataDir: string;
  /** The dashboard's access token (0600, the dashboard's user only); `gardenos dashboard --print-url` shows it. */
  dashboardTokenFile: string;
  etcdDataDir(member: string): string;
  nodeDir(node: string): string;
  pgDataDir(node: string): string;
  nodeRunDir(node: string): string;
  patroniConfig(node: string): string;
  /** A copy of gardenos's Patroni launcher where the PostgreSQL user can read it (the checkout may be under /root). */
  patroniLauncher: string;
  logFile(componentId: string): string;
  pidFile(componentId: string): string;
}

export function layoutOf(stateDir: string): Layout {
  const root = stateDir;
  const nodeDir = (node: string) => join(root, 'pg', node);
  return {
    root,
    stateFile: join(root, 'state.json'),
    specFile: join(root, 'spec.json'),
    secretsFile: join(root, 'secrets.json'),
    logsDir: join(root, 'logs'),
    runDir: join(root, 'run'),
    certsDir: join(root, 'certs'),
    haproxyDir: join(root, 'haproxy'),
    servicesDir: join(root, 'services'),
    appPasswordFile: join(root, 'services', 'app-password'),
    haproxyConfig: join(root, 'haproxy', 'haproxy.cfg'),
    adminSocket: join(root, 'haproxy', 'admin.sock'),
    pgbouncerDir: join(root, 'pgbouncer'),
    pgSocketDir: join(root, 'pg', 'sockets'),
    pgbouncerConfig: join(root, 'pgbouncer', 'pgbouncer.ini'),
    pgbouncerRouteFile: join(root, 'pgbouncer', 'route.ini'),
    monitoringDir: join(root, 'monitoring'),
    prometheusConfig: join(root, 'monitoring', 'prometheus.yml'),
    prometheusRules: join(root, 'monitoring', 'gardenos-rules.yml'),
    postgresExporterQueries: join(root, 'monitoring', 'postgres-exporter-queries.yml'),
    prometheusDataDir: join(root, 'monitoring', 'prometheus-data'),
    alertmanagerConfig: join(root, 'monitoring', 'alertmanager.yml'),
    alertmanagerDataDir: join(root, 'monitoring', 'alertmanager-data'),
    dashboardTokenFile: join(root, 'monitoring', 'dashboard-token'),
    etcdDataDir: (member) => join(root, 'etcd', member),
    nodeDir,
    pgDataDir: (node) => join(nodeDir(node), 'data'),
    nodeRunDir: (node) => join(nodeDir(node), 'run'),
    patroniConfig: (node) => join(nodeDir(node), 'patroni.yml'),
    patroniLauncher: join(root, 'pg', 'patroni-launcher.py'),
    logFile: (id) => join(root, 'logs', `${id}.log`),
    pidFile: (id) => join(root, 'run', `${id}.pid`),
  };
}

/** Unix sockets fail to bind when their path is longer than this (sun_path is 108 bytes). */
export const MAX_SOCKET_PATH = 100;
