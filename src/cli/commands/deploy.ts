// gardenos deploy
import { buildDeployPlan, deploy, formatPlan } from '../../k8s/index.js';
import type { Command } from '../command.js';
import { K8S_OPTIONS, K8S_USAGE, k8sPaths, renderFor } from '../k8s-source.js';
import { progressReporter } from '../output.js';
import { readSpec, specDirOf } from '../spec-source.js';
import { GardenError } from '../../errors.js';

const command: Command = {
  name: 'deploy',
  summary: 'server-side apply the Kubernetes target in dependency order',
  usage: `Usage: gardenos deploy [--kubeconfig FILE] [--dry-run] [options]

Renders the spec (as \`gardenos render --target k8s\`) and applies it with server-side apply
(field manager "gardenos") step by step: namespace, storage, RBAC and secrets, Patroni and the
router, wait for a Ready leader pod, the Supabase bootstrap Job, Supabase, services, routing.
Each step waits for its StatefulSets, Deployments and Jobs. Running it again changes nothing.

      --kubeconfig FILE  kubeconfig (default: KUBECONFIG or ~/.kube/config)
      --dry-run          print the plan; contact no cluster
      --timeout SECS     how long each step may wait (default 600)
${K8S_USAGE}`,
  options: {
    ...K8S_OPTIONS,
    kubeconfig: { type: 'string' },
    'dry-run': { type: 'boolean' },
    timeout: { type: 'string' },
  },
  async run(ctx) {
    const { spec } = await readSpec(ctx);
    const { secretsFile } = k8sPaths(ctx);
    const timeoutText = ctx.values.timeout as string | undefined;
    const timeoutMs = timeoutText === undefined ? undefined : Number(timeoutText) * 1000;
    if (timeoutMs !== undefined && !(timeoutMs > 0)) {
      throw new GardenError('USAGE', `--timeout must be a positive number of seconds, got "${timeoutText}".`, {
        hint: 'for example --timeout 900',
      });
    }
    const { components } = await renderFor(spec, secretsFile, specDirOf(ctx));
    const plan = buildDeployPlan(spec, components);
    if (ctx.values['dry-run']) {
      ctx.out.write(
        `Plan for ${spec.name} in namespace ${spec.k8s.namespace} (dry run, no cluster contacted):\n${formatPlan(plan)}`,
      );
      return 0;
    }
    // Loaded only here: --dry-run and the other commands never pay for the Kubernetes client.
    const { KubeClusterApi, loadKubeConfig } = await import('../../k8s/kube-cluster-api.js');
    const api = new KubeClusterApi(loadKubeConfig((ctx.values.kubeconfig as string | undefined) ?? ctx.env.KUBECONFIG));
    const result = await deploy(plan, {
      api,
      reporter: progressReporter(ctx.err, ctx.env),
      ...(timeoutMs ? { timeoutMs } : {}),
    });
    ctx.out.write(
      `Deployed ${spec.name} to namespace ${spec.k8s.namespace}: ${result.applied} objects in ${result.steps} steps, all ready.\n`,
    );
    return 0;
  },
};

export default command;
