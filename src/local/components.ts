// The processes of one local platform, in start order: etcd members, Patroni nodes, HAProxy, PgBouncer, the router,
// services, then monitoring (exporters, Prometheus).
import type { Spec } from '../spec/index.js';
import { GARDENOS_BIN } from '../runtime/install-paths.js';
import { renderEtcdArgs } from '../render/etcd.js';
import { localTopology } from '../render/topology.js';
import { etcdTlsFiles } from './certs.js';
import type { Binaries } from './binaries.js';
import type { Layout } from './layout.js';
import type { OsUser } from '../runtime/os-user.js';
import { routerFlags } from './router-flags.js';
import { buildServiceComponents } from './services.js';
import { buildPoolerComponent } from './pooler.js';
import { withNetAdmin } from './kernel-route.js';
import { buildMonitoringComponents, type MonitoringBinaries } from './monitoring.js';
import type { ComponentSpec } from './supervised-process.js';

export interface ComponentContext {
  spec: Spec;
  layout: Layout;
  binaries: Pick<Binaries, 'etcd' | 'patroni' | 'patroniPython' | 'haproxy' | 'pgbouncer' | 'pgBinDir'>;
  /** Prometheus and the exporters, when monitoring is on (only `up` needs them; stop works from pid files). */
  monitoringBinaries?: MonitoringBinaries;
  /** Set when PostgreSQL must run as another user (we are root). */
  pgUser?: OsUser;
  /** As root: the user etcd, HAProxy and the router run as. */
  infraUser?: OsUser;
  /** As root: the user the services (and their keepers) run as. */
  serviceUser?: OsUser;
}

const asUser = (user: OsUser | undefined) => (user ? { user: { uid: user.uid, gid: user.gid } } : {});

const BASE_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
};

/** node running `gardenos router`; with the kernel route as root, through setpriv (CAP_NET_ADMIN only). */
function routerLaunch(ctx: ComponentContext) {
  // A small heap: the router uses about 10 MB of it. V8's default 16 MB semi-spaces and lazily
  // collected old space would otherwise let its memory drift towards 100 MB over many failovers.
  // Explicit flags instead of the spec: the router never loads zod, yaml or the renderers.
  const args = [
    '--max-semi-space-size=1',
    '--max-old-space-size=32',
    GARDENOS_BIN,
    'router',
    ...routerFlags(ctx.spec, ctx.layout),
  ];
  if (ctx.spec.router.kernelRoute.enabled && ctx.infraUser) return withNetAdmin(process.execPath, args, ctx.infraUser);
  return { command: process.execPath, args, ...asUser(ctx.infraUser) };
}

export function buildComponents(ctx: ComponentContext): ComponentSpec[] {
  const { spec, layout, binaries } = ctx;
  const topology = localTopology(spec);

  const etcd = topology.etcd.map((member): ComponentSpec => {
    const id = `etcd-${member.name}`;
    return {
      id,
      kind: 'etcd',
      member: member.name,
      pidFile: layout.pidFile(id),
      ports: [member.clientPort, member.peerPort],
      launch: {
        command: binaries.etcd,
        args: renderEtcdArgs({
          spec,
          topology,
          member,
          dataDir: layout.etcdDataDir(member.name),
          ...(spec.etcd.scheme === 'https' ? { tls: etcdTlsFiles(layout.certsDir, { member: member.name }) } : {}),
        }),
        env: { ...BASE_ENV, HOME: layout.root },
        cwd: layout.root,
        logFile: layout.logFile(id),
        ...asUser(ctx.infraUser),
      },
    };
  });

  const patroni = topology.nodes.map((node): ComponentSpec => {
    const id = `patroni-${node.name}`;
    return {
      id,
      kind: 'patroni',
      member: node.name,
      pidFile: layout.pidFile(id),
      ports: [node.pgPort, node.apiPort],
      launch: {
        // Through the launcher when Patroni is a Python script: it backports the fix that keeps a
        // resumed old leader from overwriting the new leader's key (Patroni < 3.0.3).
        command: binaries.patroniPython ?? binaries.patroni,
        args: binaries.patroniPython
          ? [layout.patroniLauncher, layout.patroniConfig(node.name)]
          : [layout.patroniConfig(node.name)],
        env: { ...BASE_ENV, HOME: layout.nodeDir(node.name), PGPASSFILE: `${layout.nodeRunDir(node.name)}/pgpass` },
        cwd: layout.nodeDir(node.name),
        logFile: layout.logFile(id),
        ...asUser(ctx.pgUser),
      },
    };
  });

  const haproxy: ComponentSpec = {
    id: 'haproxy',
    kind: 'haproxy',
    member: 'haproxy',
    pidFile: layout.pidFile('haproxy'),
    ports: [spec.haproxy.primaryPort, spec.haproxy.replicaPort, spec.haproxy.statsPort],
    launch: {
      command: binaries.haproxy,
      // -db: stay in the foreground so the pid we record is HAProxy's own.
      args: ['-db', '-f', layout.haproxyConfig],
      env: { ...BASE_ENV, HOME: layout.haproxyDir },
      cwd: layout.haproxyDir,
      logFile: layout.logFile('haproxy'),
      ...asUser(ctx.infraUser),
    },
  };

  const router: ComponentSpec[] = spec.router.enabled
    ? [
        {
          id: 'router',
          kind: 'router',
          member: 'router',
          pidFile: layout.pidFile('router'),
          ports: [spec.router.port],
          launch: {
            ...routerLaunch(ctx),
            env: { ...BASE_ENV, HOME: layout.root },
            cwd: layout.root,
            logFile: layout.logFile('router'),
          },
        },
      ]
    : [];

  const pooler = buildPoolerComponent(spec, layout, binaries.pgbouncer, BASE_ENV, ctx.infraUser);

  return [
    ...etcd,
    ...patroni,
    haproxy,
    ...pooler,
    ...router,
    ...buildServiceComponents(spec, layout, BASE_ENV, ctx.serviceUser),
    ...buildMonitoringComponents(spec, layout, ctx.monitoringBinaries, BASE_ENV, {
      ...(ctx.infraUser ? { infra: ctx.infraUser } : {}),
      ...(ctx.pgUser ? { pg: ctx.pgUser } : {}),
    }),
  ];
}
