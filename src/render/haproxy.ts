// Renders haproxy.cfg: the primary port checks Patroni /primary, the replica port /replica, plus stats.
import type { Spec } from '../spec/index.js';
import { GENERATED_HEADER, pgHostPort, type Topology } from './topology.js';

export interface HaproxyInput {
  spec: Spec;
  topology: Topology;
  /** Runtime API socket (admin level): status reads it, the router writes server states to it. */
  adminSocket: string;
  host: string;
  /** Check Patroni over https, verifying its certificate against this CA (across hosts, and on one machine unless postgres.tls is off). */
  checkCaFile?: string;
  /** Extra lines for the stats listener, e.g. `stats auth ...`. */
  statsLines?: readonly string[];
  /** Sections appended after the PostgreSQL listeners, e.g. the K3s API frontend. */
  extraSections?: readonly string[];
}

export const BACKENDS = { primary: 'primary', replicas: 'replicas' } as const;

export function renderHaproxyConfig({
  spec,
  topology,
  adminSocket,
  host,
  checkCaFile,
  statsLines = [],
  extraSections = [],
}: HaproxyInput): string {
  const h = spec.haproxy;
  // fastinter/downinter (default a quarter of inter): a server changing state, or DOWN, is checked
  // more often, so a new leader (DOWN in the primary backend until then) is routed sooner.
  const quick = h.fastIntervalMs;
  const defaultServer =
    `default-server inter ${h.checkIntervalMs}ms fastinter ${quick}ms downinter ${quick}ms ` +
    `fall ${h.fall} rise ${h.rise} on-marked-down shutdown-sessions`;
  const checkTls = checkCaFile ? ` check-ssl verify required ca-file ${checkCaFile}` : '';
  const servers = topology.nodes.map(
    (n) => `    server ${n.name} ${pgHostPort(n)} maxconn 100 check port ${n.apiPort}${checkTls}`,
  );
  const lines = [
    `# ${GENERATED_HEADER}`,
    'global',
    '    maxconn 2000',
    `    stats socket ${adminSocket} mode 600 level admin`,
    '    stats timeout 30s',
    '    log stdout format raw local0 info',
    '',
    'defaults',
    '    mode tcp',
    '    log global',
    '    option tcplog',
    // No retries: HAProxy waits a 1 s turn-around before retrying a refused connect, which holds a
    // client on a primary that is shutting down long after the new one is routed. Database clients
    // reconnect themselves, within milliseconds.
    '    retries 0',
    '    timeout connect 3s',
    // Long client/server timeouts: database sessions (and LISTEN) stay idle for long periods.
    '    timeout client 30m',
    '    timeout server 30m',
    '    timeout check 2s',
    '',
    'listen stats',
    '    mode http',
    `    bind ${host}:${h.statsPort}`,
    '    stats enable',
    '    stats uri /stats',
    '    stats refresh 5s',
    '    http-request use-service prometheus-exporter if { path /metrics }',
    ...statsLines.map((l) => `    ${l}`),
    '',
    `listen ${BACKENDS.primary}`,
    `    bind ${host}:${h.primaryPort}`,
    '    option httpchk OPTIONS /primary',
    '    http-check expect status 200',
    `    ${defaultServer}`,
    ...servers,
    '',
    `listen ${BACKENDS.replicas}`,
    `    bind ${host}:${h.replicaPort}`,
    '    balance roundrobin',
    '    option httpchk OPTIONS /replica',
    '    http-check expect status 200',
    `    ${defaultServer}`,
    ...servers,
    '',
    ...extraSections,
  ];
  return lines.join('\n');
}
