// Renders a PlatformStatus as the one-screen text view.
import type { PlatformStatus } from '../ops/index.js';
import { colorsFor, table, type Colors } from './output.js';

export function renderStatus(
  s: PlatformStatus,
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  env: NodeJS.ProcessEnv,
): string {
  const c = colorsFor(stream, env);
  const verdict =
    s.health === 'healthy' ? c.green('healthy') : s.health === 'degraded' ? c.yellow('degraded') : c.red('down');
  const ok = (b: boolean, yes: string, no: string) => (b ? c.green(yes) : c.red(no));
  const lines = [
    `${c.bold(`GardenOS ${s.name}`)}: ${verdict}   ${c.dim(`state ${s.stateDir}`)}`,
    '',
    c.bold('etcd'),
    table([
      ['NAME', 'CLIENT URL', 'HEALTH', 'LEADER', 'VERSION'],
      ...s.etcd.members.map((m) => [
        m.name,
        m.clientURL,
        ok(m.healthy, 'healthy', 'unhealthy'),
        m.isLeader ? '*' : '',
        m.version ?? '-',
      ]),
    ]),
    '',
    c.bold(`PostgreSQL (Patroni scope ${s.postgres.scope})`),
    table([
      ['NAME', 'ROLE', 'STATE', 'TL', 'LAG', 'ADDRESS', 'API'],
      ...s.postgres.members.map((m) => [
        m.name,
        roleText(m.role, c),
        m.state === 'running' || m.state === 'streaming' ? m.state : c.red(m.state),
        m.timeline === null ? '-' : String(m.timeline),
        m.lagBytes === null ? '-' : formatBytes(m.lagBytes),
        `${m.host}:${m.port}`,
        m.apiURL,
      ]),
    ]),
    '',
    c.bold(`HAProxy`) + c.dim(`  stats ${s.haproxy.statsURL}`),
    s.haproxy.backends.length === 0
      ? '  (no answer on the admin socket)'
      : table(
          s.haproxy.backends.map((b) => [
            b.name,
            b.servers
              .map(
                (x) =>
                  `${x.name} ${x.status.startsWith('UP') ? c.green(x.status) : x.status === 'MAINT' ? c.dim(x.status) : c.red(x.status)}`,
              )
              .join(', '),
          ]),
        ),
    ...(s.router
      ? [
          '',
          c.bold('Router') + c.dim(`  ${s.router.url}/metrics`),
          s.router.reachable
            ? table([
                ['routes primary to', s.router.routedTo ?? c.red('nobody')],
                ['leader key', s.router.leader ?? '-'],
                ['last decision', s.router.lastDecision ?? '-'],
                ['watch errors', String(s.router.watchErrors)],
              ])
            : `  ${c.red('not answering')}`,
        ]
      : []),
    ...s.poolers.flatMap((p) => [
      '',
      c.bold(p.host ? `PgBouncer on ${p.host}` : 'PgBouncer') + c.dim(`  :${p.port}, ${p.mode} pooling`),
      p.reachable
        ? table([
            ['routes to', p.routedTo ?? c.red('nobody')],
            [
              'clients waiting',
              p.clientsWaiting === 0 ? '0' : c.red(`${p.clientsWaiting} (longest ${p.longestWaitS} s)`),
            ],
            ['server connections', p.serverConnections.map((x) => `${x.member} ${x.count}`).join(', ') || '0'],
          ])
        : `  ${c.red('not answering')}`,
    ]),
    ...(s.monitoring
      ? [
          '',
          c.bold('Monitoring') + c.dim(`  ${s.monitoring.prometheusURL}`),
          !s.monitoring.reachable
            ? `  ${c.red(`Prometheus not answering${s.monitoring.error ? ` (${s.monitoring.error})` : ''}`)}`
            : s.monitoring.firingAlerts.length === 0
              ? '  no alert firing'
              : table(
                  s.monitoring.firingAlerts.map((a) => [
                    a.severity === 'critical' ? c.red(a.name) : a.name,
                    `${a.severity}: ${a.summary}`,
                  ]),
                ),
        ]
      : []),
    '',
    c.bold('Endpoints'),
    table([
      ...(s.poolers[0] ? [['pooled primary (read/write)', `${s.endpoints.primary.host}:${s.poolers[0].port}`]] : []),
      ...(s.kernelRoute
        ? [
            [
              'kernel route (read/write)',
              `${s.endpoints.primary.host}:${s.kernelRoute.port} -> ${s.kernelRoute.routedTo ?? (s.kernelRoute.readError ? '?' : c.red('nobody'))}`,
            ],
          ]
        : []),
      ['primary (read/write)', `${s.endpoints.primary.host}:${s.endpoints.primary.port}`],
      ['replicas (read-only)', `${s.endpoints.replicas.host}:${s.endpoints.replicas.port}`],
      ...(s.endpoints.prometheus ? [['Prometheus', s.endpoints.prometheus]] : []),
      ...(s.endpoints.alertmanager ? [['Alertmanager', s.endpoints.alertmanager]] : []),
      ...(s.endpoints.dashboard
        ? [['dashboard', `${s.endpoints.dashboard} (served by gardenos dashboard; --print-url adds the token)`]]
        : []),
    ]),
  ];
  if (s.problems.length > 0) lines.push('', c.bold('Problems'), ...s.problems.map((p) => `  - ${p}`));
  return lines.join('\n') + '\n';
}

function roleText(role: string, c: Colors): string {
  return role === 'leader' ? c.bold(role) : role;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
