// gardenos router
import { GardenError } from '../../errors.js';
import { fastEtcdClient, type EtcdTls } from '../../dcs/index.js';
import { etcdClientTls, layoutOf, NodeProcessRunner, openPlatform } from '../../local/index.js';
import { etcdClientUrl, localTopology, scopePrefix } from '../../render/index.js';
import {
  createRouterMetrics, dcsApiUrls, EtcdLeaderSource, HaproxyRouteTarget, jsonLog, K8sLabelRouteTarget,
  PatroniPollingLeaderSource, patroniConfirmer, Router, startRouterServer, type LeaderSource, type RouteTarget,
} from '../../router/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command, type CommandContext } from '../command.js';
import { readPlatformSpec } from '../spec-source.js';

/** Everything the router needs, from the local platform's spec or, in a pod, from flags. */
interface RouterSetup {
  prefix: string;
  etcdHosts: string[];
  etcdTls: EtcdTls | undefined;
  target: RouteTarget;
  listen: { host: string; port: number };
  reconcileIntervalMs: number;
  patroniApis: string[];
}

function str(ctx: CommandContext, name: string): string | undefined {
  return ctx.values[name] as string | undefined;
}

function localSetup(ctx: CommandContext): RouterSetup {
  const spec = readPlatformSpec(ctx);
  const platform = openPlatform(spec, new NodeProcessRunner());
  return {
    prefix: scopePrefix(spec),
    etcdHosts: str(ctx, 'etcd')?.split(',') ?? localTopology(spec).etcd.map((m) => etcdClientUrl(spec, m)),
    etcdTls: etcdClientTls(platform),
    target: new HaproxyRouteTarget(layoutOf(spec.local.stateDir).adminSocket),
    listen: { host: spec.local.bindAddress, port: spec.router.port },
    reconcileIntervalMs: spec.router.reconcileIntervalMs,
    patroniApis: spec.nodes.map((n) => `http://${spec.local.bindAddress}:${n.apiPort}`),
  };
}

async function k8sSetup(ctx: CommandContext): Promise<RouterSetup> {
  const need = (name: string, example: string) => {
    const v = str(ctx, name);
    if (!v) throw new GardenError('USAGE', `The k8s target needs --${name}.`, { hint: `pass it, e.g. --${name} ${example}` });
    return v;
  };
  const namespace = need('namespace', 'gardenos');
  const scope = need('scope', 'garden');
  const etcdHosts = need('etcd', 'http://etcd1:2379,http://etcd2:2379').split(',');
  const dcsNamespace = (str(ctx, 'dcs-namespace') ?? '/service').replace(/\/+$/, '');
  const [host, port] = (str(ctx, 'listen') ?? '0.0.0.0:8080').split(':');
  const kubeconfig = str(ctx, 'kubeconfig');
  // The Kubernetes client is loaded only here: it would double the router's memory on the local target.
  const { clientPodApi } = await import('../../router/k8s-pod-api.js');
  return {
    prefix: `${dcsNamespace}/${scope}/`,
    etcdHosts,
    etcdTls: undefined,
    target: new K8sLabelRouteTarget(clientPodApi({
      namespace,
      selector: str(ctx, 'pod-selector') ?? `app.kubernetes.io/component=postgres,app.kubernetes.io/instance=${scope}`,
      ...(kubeconfig ? { kubeconfig } : {}),
    })),
    listen: { host: host ?? '0.0.0.0', port: Number(port ?? 8080) },
    reconcileIntervalMs: 5000,
    patroniApis: [],
  };
}

const command: Command = {
  name: 'router',
  summary: 'run the primary router',
  usage: `Usage: gardenos router [options]                       (local platform, HAProxy target)
       gardenos router --target k8s --namespace NS --scope NAME --etcd URLS [options]

Long-running: watches the Patroni leader key in etcd and routes the primary endpoint to the leader
once it confirms /primary. \`gardenos up\` starts and supervises it for the local platform.
Logs one JSON line per decision; serves /metrics, /status and /healthz.

${PLATFORM_USAGE}
      --target T          haproxy (default, local platform) or k8s (pods labelled role=primary)
      --etcd URLS         etcd client URLs, comma-separated (default: the spec's members)
      --poll-ms N         instead of the etcd watch, poll Patroni's REST API every N ms
                          (the journal's sidecar behaviour; for comparison, not for production)
  k8s target (no spec file or state dir needed):
      --namespace NS      namespace of the Patroni pods
      --scope NAME        Patroni scope
      --dcs-namespace P   Patroni namespace in etcd (default /service)
      --pod-selector SEL  label selector of the Patroni pods
                          (default app.kubernetes.io/component=postgres,app.kubernetes.io/instance=<scope>)
      --listen HOST:PORT  /metrics and /status (default 0.0.0.0:8080)
      --kubeconfig F      kubeconfig file (default: in-cluster, then ~/.kube/config)`,
  options: {
    ...PLATFORM_OPTIONS, target: { type: 'string' }, namespace: { type: 'string' }, scope: { type: 'string' },
    'dcs-namespace': { type: 'string' }, 'pod-selector': { type: 'string' }, listen: { type: 'string' },
    kubeconfig: { type: 'string' }, etcd: { type: 'string' }, 'poll-ms': { type: 'string' },
  },
  async run(ctx) {
    const targetName = str(ctx, 'target') ?? 'haproxy';
    if (targetName !== 'haproxy' && targetName !== 'k8s') {
      throw new GardenError('USAGE', `Unknown router target "${targetName}".`, { hint: 'use --target haproxy or --target k8s' });
    }
    const setup = targetName === 'k8s' ? await k8sSetup(ctx) : localSetup(ctx);
    const etcd = fastEtcdClient(setup.etcdHosts, 2000, setup.etcdTls);
    const log = jsonLog((line) => ctx.out.write(line));
    const metrics = createRouterMetrics();
    const pollMs = str(ctx, 'poll-ms') ? Number(str(ctx, 'poll-ms')) : undefined;
    const source: LeaderSource = pollMs
      ? new PatroniPollingLeaderSource(setup.patroniApis, pollMs)
      : new EtcdLeaderSource(etcd, `${setup.prefix}leader`);
    const confirm = patroniConfirmer(dcsApiUrls(etcd, setup.prefix));
    // Warm up the path a leader change takes (member URLs from the DCS, HTTP to each Patroni, the
    // code itself), so the first failover is routed as fast as the later ones.
    const members = await etcd.getAll().prefix(`${setup.prefix}members/`).keys().catch(() => [] as string[]);
    await Promise.all(members.map((k) => confirm(k.slice(`${setup.prefix}members/`.length)).catch(() => false)));
    const router = new Router({
      source, target: setup.target, log, metrics, confirm,
      reconcileIntervalMs: pollMs ?? setup.reconcileIntervalMs,
    });
    const server = await startRouterServer(setup.listen.host, setup.listen.port, metrics, () => router.view);
    log.decision(`router started: ${pollMs ? `polling Patroni every ${pollMs} ms` : `watching ${setup.prefix}leader`}, target ${setup.target.name}`);
    await router.start();
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await router.stop();
    if (setup.target instanceof HaproxyRouteTarget) {
      // Hand over to HAProxy's /primary checks: a leader change while we are away still gets routed.
      await setup.target.release().catch((err: Error) => log.warn(`could not hand the backend back to the health checks: ${err.message}`));
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
