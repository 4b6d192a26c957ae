// The local platform's monitoring: Prometheus, the PostgreSQL and PgBouncer exporters and gardenos's
// own exporter as supervised processes, their files, the exporter's role, and "every target is up".
import { dashboardLaunchArgs } from '../dashboard/launch.js';
import { GardenError } from '../errors.js';
import { ROLE_NAMES } from '../spec/roles.js';
import { stanzaOf } from '../render/pgbackrest.js';
import { request } from '../net/http.js';
import { findOnPath } from '../runtime/find-on-path.js';
import { withPg } from '../runtime/pg-session.js';
import type { Probe } from '../runtime/wait.js';
import { alertmanagerAddress, alertmanagerOf, prometheusUrl } from '../render/topology.js';
import { MONITOR_ROLE_SQL, monitorDsn, postgresExporterArgs } from '../render/postgres-exporter.js';
import { prometheusTargetsProbe as targetsProbe } from '../monitoring/targets.js';
import type { PlatformSecrets } from '../render/patroni.js';
import { localPgSsl } from './server-clients.js';
import { GARDENOS_BIN } from '../runtime/install-paths.js';
import type { OsUser } from '../runtime/os-user.js';
import type { Spec } from '../spec/index.js';
import type { Layout } from './layout.js';
import { pgbackrestPaths } from './backup-files.js';
import type { ComponentSpec } from './supervised-process.js';

export interface MonitoringBinaries {
  prometheus: string;
  postgresExporter: string;
  /** With monitoring.alertmanager only. */
  alertmanager?: string;
}

// No prometheus-pgbouncer-exporter: Debian's 1.7 fails on PgBouncer 1.18's SHOW STATS (KeyError
// 'total_requests'); PgBouncer's figures (up, routed to, clients waiting, paused) come from the router.
const PACKAGES = 'prometheus prometheus-postgres-exporter';
const ALERTMANAGER = 'prometheus-alertmanager';

/** The exporters and Prometheus are needed only with monitoring on; missing ones stop `up` before anything starts. */
export function checkMonitoringBinaries(spec: Spec): MonitoringBinaries | undefined {
  if (!spec.monitoring.enabled) return undefined;
  const want: Record<string, string> = {
    prometheus: 'prometheus',
    postgresExporter: 'prometheus-postgres-exporter',
    ...(alertmanagerOf(spec) ? { alertmanager: ALERTMANAGER } : {}),
  };
  const found = Object.fromEntries(Object.entries(want).map(([k, bin]) => [k, findOnPath(bin)]));
  const missing = Object.entries(want)
    .filter(([k]) => !found[k])
    .map(([, bin]) => bin);
  if (missing.length > 0) {
    throw new GardenError('BINARY_MISSING', `monitoring.enabled needs ${missing.join(', ')}, which is not installed.`, {
      hint: `install with \`sudo apt-get install -y ${PACKAGES}${alertmanagerOf(spec) ? ` ${ALERTMANAGER}` : ''}\` (or \`gardenos setup\`), or set monitoring.enabled: false${alertmanagerOf(spec) ? ' (or monitoring.alertmanager.enabled: false)' : ''}`,
    });
  }
  return found as unknown as MonitoringBinaries;
}

/** One DSN per node over the second socket dir, by peer auth as the exporter's role: no password. */
function postgresDsns(spec: Spec, layout: Layout): string {
  return spec.nodes.map((n) => monitorDsn(layout.pgSocketDir, n.pgPort)).join(',');
}

export function buildMonitoringComponents(
  spec: Spec,
  layout: Layout,
  bins: MonitoringBinaries | undefined,
  baseEnv: Record<string, string>,
  users: { infra?: OsUser; pg?: OsUser },
): ComponentSpec[] {
  if (!spec.monitoring.enabled) return [];
  const m = spec.monitoring;
  const host = spec.local.bindAddress;
  const as = (u: OsUser | undefined) => (u ? { user: { uid: u.uid, gid: u.gid } } : {});
  const component = (
    id: string,
    kind: ComponentSpec['kind'],
    port: number,
    launch: Omit<ComponentSpec['launch'], 'logFile' | 'cwd'> & { cwd?: string },
  ): ComponentSpec => ({
    id,
    kind,
    member: id,
    pidFile: layout.pidFile(id),
    ports: [port],
    launch: { cwd: layout.monitoringDir, logFile: layout.logFile(id), ...launch },
  });
  const list: ComponentSpec[] = [
    component('postgres-exporter', 'exporter', m.postgresExporterPort, {
      command: bins?.postgresExporter ?? 'prometheus-postgres-exporter',
      args: postgresExporterArgs(`${host}:${m.postgresExporterPort}`, layout.postgresExporterQueries),
      env: { ...baseEnv, HOME: layout.monitoringDir, DATA_SOURCE_NAME: postgresDsns(spec, layout) },
      ...as(users.infra),
    }),
    component('gardenos-exporter', 'exporter', m.exporterPort, {
      command: process.execPath,
      args: [
        '--max-semi-space-size=1',
        '--max-old-space-size=32',
        GARDENOS_BIN,
        'exporter',
        '--listen',
        `${host}:${m.exporterPort}`,
        ...spec.nodes.flatMap((n) => ['--data-dir', `${n.name}=${layout.nodeDir(n.name)}`]),
        ...(spec.backup?.enabled
          ? ['--pgbackrest-config', pgbackrestPaths(layout).configFile, '--stanza', stanzaOf(spec)]
          : []),
      ],
      env: { ...baseEnv, HOME: layout.monitoringDir },
      // As the PostgreSQL user: pgBackRest's repository is its own.
      ...as(users.pg),
    }),
  ];
  const am = alertmanagerOf(spec);
  if (am) {
    list.push(
      component('alertmanager', 'alertmanager', am.port, {
        command: bins?.alertmanager ?? ALERTMANAGER,
        args: [
          `--config.file=${layout.alertmanagerConfig}`,
          `--storage.path=${layout.alertmanagerDataDir}`,
          `--web.listen-address=${host}:${am.port}`,
          // One Alertmanager, no gossip: its cluster port (9094 by default) would be one more listener.
          '--cluster.listen-address=',
          '--log.level=warn',
        ],
        env: { ...baseEnv, HOME: layout.monitoringDir },
        ...as(users.infra),
      }),
    );
  }
  list.push(
    component('prometheus', 'prometheus', m.prometheusPort, {
      command: bins?.prometheus ?? 'prometheus',
      args: [
        `--config.file=${layout.prometheusConfig}`,
        `--storage.tsdb.path=${layout.prometheusDataDir}`,
        `--storage.tsdb.retention.time=${m.retention}`,
        `--web.listen-address=${host}:${m.prometheusPort}`,
        '--log.level=warn',
      ],
      env: { ...baseEnv, HOME: layout.monitoringDir },
      ...as(users.infra),
    }),
    // As the user running `up`: it reads secrets.json (0600, that user's) for the superuser's write
    // probe and the REST API's switchover, and doctor reads the data dirs. As root, the process kept
    // there listens on nothing: it serves through a web side of its own as gardenos-dashboard
    // (dashboard/privsep.ts). The state dir is its only argument (no secret on its command line); cwd
    // there, so no ./gardenos.yaml is read.
    component('dashboard', 'dashboard', m.dashboardPort, {
      ...dashboardLaunchArgs(layout),
      cwd: layout.root,
      env: { ...baseEnv, HOME: layout.root },
    }),
  );
  return list;
}

/** Creates or repairs the exporter's role on the primary (it replicates to every node). */
export async function ensureMonitorRole(spec: Spec, secrets: PlatformSecrets): Promise<string> {
  await withPg(spec, secrets, spec.haproxy.primaryPort, (c) => c.query(MONITOR_ROLE_SQL), localPgSsl(spec));
  return `${ROLE_NAMES.monitor} (pg_monitor, peer auth only)`;
}

/** Alertmanager has read its config and answers /-/ready. */
export function alertmanagerReadyProbe(spec: Spec, am: Spec['monitoring']['alertmanager']): Probe {
  const url = `http://${alertmanagerAddress(spec, am)}/-/ready`;
  return async () => {
    const r = await request(url, { timeoutMs: 2000 }).catch((err: Error) => err);
    if (r instanceof Error) return `Alertmanager does not answer yet (${r.message})`;
    return r.status === 200 ? undefined : `Alertmanager answers ${url} with HTTP ${r.status}: ${r.text.trim()}`;
  };
}

/** Prometheus answers, knows every job, and its last scrape of every target worked. */
export function prometheusTargetsProbe(spec: Spec): Probe {
  return targetsProbe(prometheusUrl(spec));
}
