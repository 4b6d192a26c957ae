// gardenos router
import { GardenError } from '../../errors.js';
import { fastEtcdClient } from '../../dcs/index.js';
import { etcdClientTls, layoutOf, NodeProcessRunner, openPlatform } from '../../local/index.js';
import { etcdClientUrl, localTopology, scopePrefix } from '../../render/index.js';
import {
  createRouterMetrics, dcsApiUrls, EtcdLeaderSource, HaproxyRouteTarget, jsonLog, K8sLabelRouteTarget,
  PatroniPollingLeaderSource, patroniConfirmer, Router, startRouterServer, type LeaderSource, type RouteTarget,
} from '../../router/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command } from '../command.js';
import { readPlatformSpec } from '../spec-source.js';

const command: Command = {
  name: 'router',
  summary: 'run the primary router',
  usage: `Usage: gardenos router [--target haproxy|k8s] [options]

Long-running: watches the Patroni leader key in etcd and routes the primary endpoint to the leader
once it confirms /primary. \`gardenos up\` starts and supervises it for the local platform.
Logs one JSON line per decision; serves /metrics, /status and /healthz on router.port.

${PLATFORM_USAGE}
      --target T        haproxy (default, local platform) or k8s (pods labelled role=primary)
      --namespace NS    k8s: namespace of the Patroni pods
      --selector SEL    k8s: label selector of the Patroni pods (default: cluster-name=<name>)
      --kubeconfig F    k8s: kubeconfig file (default: in-cluster or ~/.kube/config)
      --etcd URLS       etcd client URLs, comma-separated (default: the spec's members)
      --poll-ms N       instead of the etcd watch, poll Patroni's REST API every N ms
                        (the journal's sidecar behaviour; for comparison, not for production)`,
  options: {
    ...PLATFORM_OPTIONS, target: { type: 'string' }, namespace: { type: 'string' }, selector: { type: 'string' },
    kubeconfig: { type: 'string' }, etcd: { type: 'string' }, 'poll-ms': { type: 'string' },
  },
  async run(ctx) {
    const spec = readPlatformSpec(ctx);
    const platform = openPlatform(spec, new NodeProcessRunner());
    const targetName = (ctx.values.target as string | undefined) ?? 'haproxy';
    const hosts = (ctx.values.etcd as string | undefined)?.split(',') ?? localTopology(spec).etcd.map((m) => etcdClientUrl(spec, m));
    const etcd = fastEtcdClient(hosts, 2000, etcdClientTls(platform));
    const prefix = scopePrefix(spec);
    const log = jsonLog((line) => ctx.out.write(line));
    const metrics = createRouterMetrics();

    let target: RouteTarget;
    if (targetName === 'haproxy') target = new HaproxyRouteTarget(layoutOf(spec.local.stateDir).adminSocket);
    else if (targetName === 'k8s') {
      const namespace = ctx.values.namespace as string | undefined;
      if (!namespace) throw new GardenError('USAGE', 'The k8s target needs --namespace.', { hint: 'pass the namespace of the Patroni pods, e.g. --namespace gardenos' });
      const kubeconfig = ctx.values.kubeconfig as string | undefined;
      const { clientPodApi } = await import('../../router/k8s-pod-api.js');
      target = new K8sLabelRouteTarget(clientPodApi({
        namespace, selector: (ctx.values.selector as string | undefined) ?? `cluster-name=${spec.name}`, ...(kubeconfig ? { kubeconfig } : {}),
      }));
    } else {
      throw new GardenError('USAGE', `Unknown router target "${targetName}".`, { hint: 'use --target haproxy or --target k8s' });
    }
    const pollMs = ctx.values['poll-ms'] ? Number(ctx.values['poll-ms']) : undefined;
    const source: LeaderSource = pollMs
      ? new PatroniPollingLeaderSource(spec.nodes.map((n) => `http://${spec.local.bindAddress}:${n.apiPort}`), pollMs)
      : new EtcdLeaderSource(etcd, `${prefix}leader`);

    const router = new Router({
      source, target, log, metrics,
      confirm: patroniConfirmer(dcsApiUrls(etcd, prefix)),
      reconcileIntervalMs: pollMs ?? spec.router.reconcileIntervalMs,
    });
    const server = await startRouterServer(spec.local.bindAddress, spec.router.port, metrics, () => router.view);
    log.decision(`router started: ${pollMs ? `polling Patroni every ${pollMs} ms` : `watching ${prefix}leader`}, target ${target.name}`);
    await router.start();
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await router.stop();
    if (target instanceof HaproxyRouteTarget) {
      // Hand over to HAProxy's /primary checks: a leader change while we are away still gets routed.
      await target.release().catch((err: Error) => log.warn(`could not hand the backend back to the health checks: ${err.message}`));
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
