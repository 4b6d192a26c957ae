// gardenos router
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { GardenError } from '../../errors.js';
import { fastEtcdClient } from '../../dcs/index.js';
import {
  ChainedRouteTarget,
  createRouterMetrics,
  dcsApiUrls,
  DcsSwitchoverWatch,
  EtcdLeaderSource,
  HaproxyRouteTarget,
  jsonLog,
  K8sLabelRouteTarget,
  NftablesRouteTarget,
  PatroniPollingLeaderSource,
  patroniConfirmer,
  PgbouncerRouteTarget,
  Router,
  routerSettingsFromFlags,
  startRouterServer,
  type FlagValues,
  type LeaderSource,
  type RouteTarget,
  type RouterSettings,
} from '../../router/index.js';
import { PatroniClient, PatroniClusterReader } from '../../patroni/index.js';
import { PoolerAdmin } from '../../pooler/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command, type CommandContext } from '../command.js';

/**
 * Without --etcd the settings come from the local platform's spec. That path is loaded lazily: the
 * router `gardenos up` starts gets explicit flags and never pays for zod, yaml or the renderers.
 */
async function settingsOf(ctx: CommandContext): Promise<RouterSettings> {
  if (ctx.values.etcd !== undefined || ctx.values.target === 'k8s')
    return routerSettingsFromFlags(ctx.values as FlagValues);
  const [{ readPlatformSpec }, { layoutOf, routerFlags }] = await Promise.all([
    import('../spec-source.js'),
    import('../../local/index.js'),
  ]);
  const spec = await readPlatformSpec(ctx, 'router');
  const { values } = parseArgs({
    args: routerFlags(spec, layoutOf(spec.local.stateDir)),
    options: command.options,
    strict: true,
  });
  // Flags given on the command line (e.g. --poll-ms, --listen) override what the spec says.
  const given = Object.fromEntries(Object.entries(ctx.values).filter(([, v]) => v !== undefined));
  return routerSettingsFromFlags({ ...values, ...given } as FlagValues);
}

async function targetOf(s: RouterSettings): Promise<RouteTarget> {
  if (s.target === 'haproxy') {
    const targets: RouteTarget[] = [new HaproxyRouteTarget(s.haproxySocket!)];
    if (s.pgbouncer) {
      const admin = new PoolerAdmin({ socketDir: s.pgbouncer.socketDir, port: s.pgbouncer.port });
      targets.push(new PgbouncerRouteTarget(admin, s.pgbouncer.routeFile, s.pgbouncer.members));
    }
    if (s.kernelRoute) targets.push(new NftablesRouteTarget(s.kernelRoute));
    return targets.length === 1 ? targets[0]! : new ChainedRouteTarget(targets);
  }
  // The Kubernetes client is loaded only here: it would double the router's memory on the local target.
  const { clientPodApi } = await import('../../router/k8s-pod-api.js');
  return new K8sLabelRouteTarget(clientPodApi(s.k8s!));
}

const command: Command = {
  name: 'router',
  summary: 'run the primary router',
  usage: `Usage: gardenos router [--state-dir DIR | -f FILE]       (local platform, from its spec)
       gardenos router --etcd URLS --scope NAME --haproxy-socket PATH --listen HOST:PORT [options]
       gardenos router --target k8s --namespace NS --scope NAME --etcd URLS [options]

Long-running: watches the Patroni leader key in etcd and routes the primary endpoint to the leader
once it confirms /primary. \`gardenos up\` starts and supervises it for the local platform, with
explicit flags (see \`ps\`). Logs one JSON line per decision; serves /metrics, /status and /healthz.

${PLATFORM_USAGE}
      --target T          haproxy (default) or k8s (pods labelled role=primary)
      --etcd URLS         etcd client URLs, comma-separated (given: no spec is read)
      --etcd-ca F, --etcd-cert F, --etcd-key F   TLS files for an https etcd
      --patroni-ca F    CA of the Patroni REST API certificates (https api_url), for the /primary check
      --dcs-namespace P   Patroni namespace in etcd (default /service)
      --scope NAME        Patroni scope
      --listen HOST:PORT  /metrics, /status, /healthz (k8s default 0.0.0.0:8080)
      --reconcile-ms N    compare wanted and actual routes this often (default 5000)
      --poll-ms N         instead of the etcd watch, poll Patroni's REST API every N ms
                          (the journal's sidecar behaviour; for comparison, not for production)
      --patroni-apis URLS Patroni REST APIs for --poll-ms
  haproxy target:
      --haproxy-socket P  HAProxy admin socket (runtime API)
      --pgbouncer-route-file F, --pgbouncer-socket-dir D, --pgbouncer-port N,
      --pgbouncer-members NAME=HOST:PORT,...   also route PgBouncer (after HAProxy): rewrite F,
                          and RELOAD through the admin console at D:N; a switchover requested in
                          the DCS (patronictl) pauses PgBouncer until it routes to the new leader
      --kernel-route IPV4:PORT, --kernel-route-members NAME=IPV4:PORT,...,
      --kernel-route-table T   also keep an nftables DNAT rule from IPV4:PORT to the leader
                          (table ip T, gardenos's own; needs CAP_NET_ADMIN)
      --pgbouncer-pause-timeout-ms N   PAUSE's wait for in-flight transactions (default 10000)
      --pgbouncer-hold-limit-ms N      longest pause while waiting for the new leader (default 30000)
      --pgbouncer-stale-pause-s N      clients waiting this long with no switchover under way mean a
                                       pause left behind: the router resumes PgBouncer (default 60)
      --pgbouncer-mode M               transaction or session, as reported on /pooler (default transaction)
      --pgbouncer-server-ca F, --pgbouncer-server-cert F, --pgbouncer-server-key F
                                       members across the network: TLS, and log in as PgBouncer's
                                       auth role by this client certificate (the hosts target)
  k8s target:
      --namespace NS      namespace of the Patroni pods
      --pod-selector SEL  label selector of the Patroni pods
                          (default app.kubernetes.io/component=postgres,app.kubernetes.io/instance=<scope>)
      --kubeconfig F      kubeconfig file (default: in-cluster, then ~/.kube/config)`,
  options: {
    ...PLATFORM_OPTIONS,
    target: { type: 'string' },
    namespace: { type: 'string' },
    scope: { type: 'string' },
    'dcs-namespace': { type: 'string' },
    'pod-selector': { type: 'string' },
    listen: { type: 'string' },
    kubeconfig: { type: 'string' },
    etcd: { type: 'string' },
    'poll-ms': { type: 'string' },
    'etcd-ca': { type: 'string' },
    'etcd-cert': { type: 'string' },
    'etcd-key': { type: 'string' },
    'patroni-ca': { type: 'string' },
    'haproxy-socket': { type: 'string' },
    'pgbouncer-route-file': { type: 'string' },
    'pgbouncer-socket-dir': { type: 'string' },
    'pgbouncer-port': { type: 'string' },
    'pgbouncer-members': { type: 'string' },
    'pgbouncer-pause-timeout-ms': { type: 'string' },
    'pgbouncer-hold-limit-ms': { type: 'string' },
    'pgbouncer-stale-pause-s': { type: 'string' },
    'pgbouncer-mode': { type: 'string' },
    'pgbouncer-server-ca': { type: 'string' },
    'pgbouncer-server-cert': { type: 'string' },
    'pgbouncer-server-key': { type: 'string' },
    'kernel-route': { type: 'string' },
    'kernel-route-members': { type: 'string' },
    'kernel-route-table': { type: 'string' },
    'reconcile-ms': { type: 'string' },
    'patroni-apis': { type: 'string' },
  },
  async run(ctx) {
    const settings = await settingsOf(ctx);
    const target = await targetOf(settings);
    const etcd = fastEtcdClient(settings.etcd, 2000, settings.etcdTls);
    const log = jsonLog((line) => ctx.out.write(line));
    const metrics = createRouterMetrics();
    const patroniCa = settings.patroniCaFile ? readFileSync(settings.patroniCaFile) : undefined;
    const source: LeaderSource = settings.poll
      ? new PatroniPollingLeaderSource(
          new PatroniClusterReader(
            settings.poll.patroniApis.map((url) => ({ name: url, apiUrl: url })),
            1000,
            (apiUrl, t) => new PatroniClient(apiUrl, undefined, t, patroniCa ? { ca: patroniCa } : undefined).cluster(),
          ),
          settings.poll.intervalMs,
        )
      : new EtcdLeaderSource(etcd, `${settings.prefix}leader`);
    const confirm = patroniConfirmer(dcsApiUrls(etcd, settings.prefix), 500, patroniCa);
    // Warm up the path a leader change takes (member URLs from the DCS, HTTP to each Patroni, the
    // code itself), so the first failover is routed as fast as the later ones.
    const members = await etcd
      .getAll()
      .prefix(`${settings.prefix}members/`)
      .keys()
      .catch(() => [] as string[]);
    await Promise.all(members.map((k) => confirm(k.slice(`${settings.prefix}members/`.length)).catch(() => false)));
    // With PgBouncer: a switchover asked of Patroni directly (patronictl) pauses it too.
    const switchovers = settings.pgbouncer
      ? new DcsSwitchoverWatch({
          etcd,
          prefix: settings.prefix,
          pgbouncer: settings.pgbouncer,
          admin: new PoolerAdmin({ socketDir: settings.pgbouncer.socketDir, port: settings.pgbouncer.port }),
          log,
          metrics,
          confirm,
          view: () => router.view,
        })
      : undefined;
    const router: Router = new Router({
      source,
      target,
      log,
      metrics,
      confirm,
      reconcileIntervalMs: settings.poll?.intervalMs ?? settings.reconcileIntervalMs,
      ...(switchovers ? { onRouted: (member: string) => switchovers.pause.routed(member) } : {}),
    });
    let server;
    try {
      server = await startRouterServer(
        settings.listen.host,
        settings.listen.port,
        metrics,
        () => ({
          ...router.view,
          ...(switchovers ? { poolerPausedSince: switchovers.pause.pausedSince } : {}),
        }),
        switchovers?.poolerStatus,
      );
    } catch (cause) {
      etcd.close();
      throw new GardenError(
        'PORT_IN_USE',
        `The router cannot listen on ${settings.listen.host}:${settings.listen.port}: ${(cause as Error).message}.`,
        {
          hint: 'stop whatever holds that port (`ss -ltnp`), or give the router another one (--listen, or router.port in gardenos.yaml)',
          cause,
        },
      );
    }
    log.decision(
      `router started: ${settings.poll ? `polling Patroni every ${settings.poll.intervalMs} ms` : `watching ${settings.prefix}leader`}, target ${target.name}`,
    );
    await router.start();
    await switchovers?.start();
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await switchovers?.stop();
    await router.stop();
    const haproxy = target instanceof ChainedRouteTarget ? target.first(HaproxyRouteTarget) : target;
    if (haproxy instanceof HaproxyRouteTarget) {
      // Hand over to HAProxy's /primary checks: a leader change while we are away still gets routed.
      // PgBouncer keeps the last confirmed leader: one destination, never two (see docs on the pooler).
      await haproxy
        .release()
        .catch((err: Error) => log.warn(`could not hand the backend back to the health checks: ${err.message}`));
      log.decision('router stopped: primary backend handed back to HAProxy health checks');
    } else {
      log.decision('router stopped: pod labels stay as they are');
    }
    server.close();
    etcd.close();
    return 0;
  },
};

export default command;
