// What one server of the hosts target gets: files and services, the contract between rendering and provisioning.

/** One file on a host. The provisioner writes exactly these (temp file + rename), then restarts `restarts` if it changed. */
export interface HostFile {
  /** Absolute path on the host. */
  path: string;
  content: string;
  /** Octal permission bits, e.g. 0o644. */
  mode: number;
  owner: string;
  group: string;
  /** Holds a password, token or private key: never printed, written to a render dir only with --with-secrets. */
  secret: boolean;
  /** Services (HostService.name) that must restart when this file's content changes. */
  restarts: string[];
  /** Written only when missing: a service owns it from then on (PgBouncer's route file, the router's). */
  createOnly?: boolean;
}

/** A file anyone on the host may read (root's, 0644; no secret in it) that restarts `restarts` when it changes. */
export function publicHostFile(path: string, content: string, restarts: readonly string[]): HostFile {
  return { path, content, mode: 0o644, owner: 'root', group: 'root', secret: false, restarts: [...restarts] };
}

/** A directory a service needs before it starts, owned by the service's user and group. */
export interface HostDirectory {
  /** Absolute, under /var/lib/gardenos, /var/log/gardenos or /run/gardenos (systemd's State-, Logs- and RuntimeDirectory). */
  path: string;
  mode: number;
}

/**
 * One long-running process. The same value renders a systemd unit (hosts where systemd is PID 1) and an
 * entry of /etc/gardenos/services.json (gardenos's supervisor, where it is not): same exec, user, env.
 */
export interface HostService {
  /** gardenos-etcd, gardenos-patroni, gardenos-haproxy, gardenos-router; `k3s` is K3s's own unit. */
  name: string;
  description: string;
  user: string;
  group: string;
  /** argv; no shell. Never holds a secret: those come from environmentFiles. */
  exec: string[];
  /** KEY=VALUE files (secret, 0600 root) read by systemd or the supervisor, as root, before dropping privileges. */
  environmentFiles: string[];
  environment: Record<string, string>;
  /** Full unit names, e.g. gardenos-etcd.service, network-online.target; the supervisor honours only its own services. */
  after: string[];
  wants: string[];
  workingDirectory?: string;
  restart: { policy: 'always' | 'on-failure'; delaySec: number };
  limits: { noFile: number };
  /**
   * SIGTERM, then SIGKILL after timeoutSec. mainProcessOnly: signal only the main process, not its
   * children (Patroni stops its PostgreSQL itself; systemd KillMode=process).
   */
  stop: { timeoutSec: number; mainProcessOnly: boolean };
  directories: HostDirectory[];
  /** Where the supervisor appends stdout and stderr; systemd units log to the journal instead. */
  logFile: string;
  /** `own`: gardenos renders the whole unit. `drop-in`: the unit is installed by someone else (K3s's installer); gardenos adds a drop-in. */
  unit: 'own' | 'drop-in';
}

export interface HostBundle {
  files: HostFile[];
  services: HostService[];
}

/** The hosts target's generated credentials (src/hosts/secrets.ts stores them). */
export interface HostsSecrets {
  superuserPassword: string;
  replicationPassword: string;
  rewindPassword: string;
  restapiPassword: string;
  haproxyStatsPassword: string;
  k3sToken: string;
}

/** PEM texts for one host (src/hosts/pki.ts makes them). */
export interface HostTlsMaterial {
  caCert: string;
  /** The host's certificate: SANs are its address, publicAddress, 127.0.0.1 and its name; server and client auth. */
  cert: string;
  key: string;
  /**
   * PostgreSQL's server certificate, the same on every postgres host: clients reach PostgreSQL through
   * any host's HAProxy, so it names every haproxy host's addresses (and the Kubernetes Service names).
   */
  endpointCert: string;
  endpointKey: string;
  /** PgBouncer's client certificate to PostgreSQL: CN gardenos_pooler, client auth only. */
  poolerCert: string;
  poolerKey: string;
}

/** Where the programs are on a host; Debian 12 packages by default. */
export interface HostPrograms {
  etcd: string;
  /** Runs Patroni through gardenos's launcher (the #! interpreter of Debian's patroni script). */
  python: string;
  haproxy: string;
  pgbouncer: string;
  node: string;
  /** The gardenos program on the host (provisioning installs the agent bundle); the router runs as `<it> router`. */
  gardenos: string;
  k3s: string;
  pgbackrest: string;
  prometheus: string;
  postgresExporter: string;
  /** PostgreSQL's bin dir for spec.postgres.version. */
  pgBinDir: (version: number) => string;
}

export const DEFAULT_HOST_PROGRAMS: HostPrograms = {
  etcd: '/usr/bin/etcd',
  python: '/usr/bin/python3',
  haproxy: '/usr/sbin/haproxy',
  pgbouncer: '/usr/sbin/pgbouncer',
  node: '/usr/bin/node',
  // Where provisioning installs the agent (AGENT_PROGRAM in src/hosts/agent/build.ts; router.test.ts checks they agree).
  gardenos: '/var/lib/gardenos/bin/agent/gardenos-agent.cjs',
  k3s: '/usr/local/bin/k3s',
  pgbackrest: '/usr/bin/pgbackrest',
  prometheus: '/usr/bin/prometheus',
  postgresExporter: '/usr/bin/prometheus-postgres-exporter',
  pgBinDir: (version) => `/usr/lib/postgresql/${version}/bin`,
};

export interface HostRenderInput {
  secrets: HostsSecrets;
  tls: HostTlsMaterial;
  /** Text of gardenos's Patroni launcher (src/local/python/patroni-launcher.py), installed beside patroni.yml. */
  patroniLauncher: string;
  programs?: Partial<HostPrograms>;
}
