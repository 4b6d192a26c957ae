// The router's settings as command-line flags: the one contract between `gardenos up` (which starts
// the router with explicit flags, so the router never loads the spec, zod or yaml) and `gardenos router`.
import { GardenError } from '../errors.js';
import type { KernelRouteSettings } from './nftables-route-target.js';

export type RouterTargetName = 'haproxy' | 'k8s';

export interface RouterSettings {
  target: RouterTargetName;
  /** etcd client URLs. */
  etcd: string[];
  /** `<dcs namespace>/<scope>/`, where Patroni keeps its keys. */
  prefix: string;
  etcdTls?: { caFile: string; certFile: string; keyFile: string };
  /** --patroni-ca: the CA that signed the Patroni REST API certificates (https api_urls), for the /primary check. */
  patroniCaFile?: string;
  listen: { host: string; port: number };
  reconcileIntervalMs: number;
  /** --poll-ms: poll these Patroni REST APIs instead of watching etcd (the journal's sidecar). */
  poll?: { intervalMs: number; patroniApis: string[] };
  haproxySocket?: string;
  /** --pgbouncer-*: also keep PgBouncer's route file on the leader (after HAProxy, through its admin console). */
  pgbouncer?: PgbouncerSettings;
  /** --kernel-route-*: also keep an nftables DNAT rule from a port to the leader. */
  kernelRoute?: KernelRouteSettings;
  k8s?: { namespace: string; selector: string; kubeconfig?: string };
}

export interface PgbouncerSettings {
  socketDir: string;
  port: number;
  /** pooler.mode, as the router reports it (the admin console does not say). */
  mode: 'transaction' | 'session';
  routeFile: string;
  /** Where each member takes PgBouncer's connections: its socket directory (or address) and port. */
  members: { name: string; host: string; port: number }[];
  /** PAUSE's bound for a switchover requested in the DCS (pooler.pauseTimeoutMs). */
  pauseTimeoutMs: number;
  /** The longest a pause is held waiting for the new leader. */
  holdLimitMs: number;
  /** Clients waiting this long (s) with no switchover under way: a pause left behind, which the router ends. */
  stalePauseS: number;
  /** Members across the network (the hosts target): TLS, the server checked by this CA, and PgBouncer's client certificate. */
  serverTls?: { caFile: string; certFile: string; keyFile: string };
}

/** Flag values as node:util parseArgs gives them. */
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

function usage(message: string, hint: string): GardenError {
  return new GardenError('USAGE', message, { hint });
}

function positiveInt(values: FlagValues, name: string, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw usage(
      `--${name} must be a positive whole number of milliseconds, not "${String(raw)}".`,
      `e.g. --${name} ${fallback}`,
    );
  return n;
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Parses and checks the router's flags; every problem is a USAGE error naming the flag. */
export function routerSettingsFromFlags(values: FlagValues): RouterSettings {
  const str = (name: string) => values[name] as string | undefined;
  const need = (name: string, example: string): string => {
    const v = str(name);
    if (!v) throw usage(`The router needs --${name}.`, `pass it, e.g. --${name} ${example}`);
    return v;
  };
  const target = str('target') ?? 'haproxy';
  if (target !== 'haproxy' && target !== 'k8s')
    throw usage(`Unknown router target "${target}".`, 'use --target haproxy or --target k8s');
  const etcd = list(need('etcd', 'http://127.0.0.1:2379,http://127.0.0.1:2381'));
  const bad = etcd.find((u) => !/^https?:\/\/[^/]+:\d+\/?$/.test(u));
  if (bad)
    throw usage(
      `--etcd has "${bad}", which is not an etcd client URL.`,
      'give scheme, host and port of each member, e.g. http://127.0.0.1:2379',
    );
  const scope = need('scope', 'garden');
  const namespace = (str('dcs-namespace') ?? '/service').replace(/\/+$/, '');
  const listenRaw = str('listen') ?? (target === 'k8s' ? '0.0.0.0:8080' : undefined);
  if (!listenRaw)
    throw usage('The router needs --listen HOST:PORT for /metrics and /status.', 'e.g. --listen 127.0.0.1:15403');
  const m = /^(.+):(\d+)$/.exec(listenRaw);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535)
    throw usage(`--listen must be HOST:PORT, not "${listenRaw}".`, 'e.g. --listen 127.0.0.1:15403');
  const tlsFlags = ['etcd-ca', 'etcd-cert', 'etcd-key'].map(str);
  if (tlsFlags.some(Boolean) && !tlsFlags.every(Boolean))
    throw usage(
      'etcd TLS needs all of --etcd-ca, --etcd-cert and --etcd-key.',
      'pass the three files, or none for plain http',
    );
  const settings: RouterSettings = {
    target,
    etcd,
    prefix: `${namespace}/${scope}/`,
    listen: { host: m[1]!, port: Number(m[2]) },
    reconcileIntervalMs: positiveInt(values, 'reconcile-ms', 5000),
  };
  if (tlsFlags.every(Boolean))
    settings.etcdTls = { caFile: tlsFlags[0]!, certFile: tlsFlags[1]!, keyFile: tlsFlags[2]! };
  const patroniCa = str('patroni-ca');
  if (patroniCa) settings.patroniCaFile = patroniCa;
  if (values['poll-ms'] !== undefined) {
    settings.poll = {
      intervalMs: positiveInt(values, 'poll-ms', 10_000),
      patroniApis: list(need('patroni-apis', 'http://127.0.0.1:8008,http://127.0.0.1:8009')),
    };
  }
  if (target === 'haproxy') {
    settings.haproxySocket = need('haproxy-socket', '/var/lib/gardenos/garden/haproxy/admin.sock');
    if (str('pgbouncer-route-file')) settings.pgbouncer = pgbouncerSettings(values, need);
    if (str('kernel-route')) settings.kernelRoute = kernelRouteSettings(need);
  } else {
    const kubeconfig = str('kubeconfig');
    settings.k8s = {
      namespace: need('namespace', 'gardenos'),
      selector: str('pod-selector') ?? `app.kubernetes.io/component=postgres,app.kubernetes.io/instance=${scope}`,
      ...(kubeconfig ? { kubeconfig } : {}),
    };
  }
  return settings;
}

const MEMBER_AT = /^([^=,]+)=(.+):(\d+)$/;
const IPV4_AT = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d+)$/;

function kernelRouteSettings(need: (name: string, example: string) => string): KernelRouteSettings {
  const listen = IPV4_AT.exec(need('kernel-route', '127.0.0.1:15405'));
  if (!listen || Number(listen[2]) < 1 || Number(listen[2]) > 65535)
    throw usage('--kernel-route must be IPV4:PORT.', 'e.g. --kernel-route 127.0.0.1:15405');
  const members = list(need('kernel-route-members', 'pg1=127.0.0.1:15430')).map((entry) => {
    const m = MEMBER_AT.exec(entry);
    if (!m || !IPV4_AT.test(`${m[2]}:${m[3]}`)) {
      throw usage(
        `--kernel-route-members has "${entry}", which is not NAME=IPV4:PORT.`,
        'give each member as its name, the IPv4 address and the port its PostgreSQL listens on, e.g. pg1=127.0.0.1:15430',
      );
    }
    return { name: m[1]!, host: m[2]!, port: Number(m[3]) };
  });
  const table = need('kernel-route-table', 'gardenos_garden_15400');
  if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(table))
    throw usage(
      `--kernel-route-table "${table}" is not an nftables table name.`,
      'letters, digits and _, e.g. gardenos_garden_15400',
    );
  return { table, listen: { host: listen[1]!, port: Number(listen[2]) }, members };
}

function pgbouncerSettings(values: FlagValues, need: (name: string, example: string) => string): PgbouncerSettings {
  const port = Number(need('pgbouncer-port', '15404'));
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw usage('--pgbouncer-port must be a port number.', 'e.g. --pgbouncer-port 15404');
  const members = list(need('pgbouncer-members', 'pg1=/var/lib/gardenos/garden/pg/pg1/run:15430')).map((entry) => {
    const m = MEMBER_AT.exec(entry);
    if (!m) {
      throw usage(
        `--pgbouncer-members has "${entry}", which is not NAME=HOST:PORT.`,
        'give each member as its name, its socket directory (or address) and its port, e.g. pg1=/srv/pg1/run:5432',
      );
    }
    return { name: m[1]!, host: m[2]!, port: Number(m[3]) };
  });
  const tls = ['pgbouncer-server-ca', 'pgbouncer-server-cert', 'pgbouncer-server-key'].map(
    (name) => values[name] as string | undefined,
  );
  if (tls.some(Boolean) && !tls.every(Boolean))
    throw usage(
      'TLS to the members needs all of --pgbouncer-server-ca, --pgbouncer-server-cert and --pgbouncer-server-key.',
      'pass the three files (the hosts target), or none for members on Unix sockets',
    );
  const mode = (values['pgbouncer-mode'] as string | undefined) ?? 'transaction';
  if (mode !== 'transaction' && mode !== 'session')
    throw usage(`--pgbouncer-mode must be transaction or session, not "${mode}".`, 'e.g. --pgbouncer-mode transaction');
  return {
    socketDir: need('pgbouncer-socket-dir', '/var/lib/gardenos/garden/pgbouncer'),
    port,
    mode,
    routeFile: need('pgbouncer-route-file', '/var/lib/gardenos/garden/pgbouncer/route.ini'),
    members,
    pauseTimeoutMs: positiveInt(values, 'pgbouncer-pause-timeout-ms', 10_000),
    holdLimitMs: positiveInt(values, 'pgbouncer-hold-limit-ms', 30_000),
    stalePauseS: positiveInt(values, 'pgbouncer-stale-pause-s', 60),
    ...(tls.every(Boolean) ? { serverTls: { caFile: tls[0]!, certFile: tls[1]!, keyFile: tls[2]! } } : {}),
  };
}
