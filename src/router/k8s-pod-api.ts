// PodApi on @kubernetes/client-node: list pods by selector, merge-patch the role label with resourceVersion.
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { PodApi, PodSummary } from './k8s-label-route-target.js';

export function clientPodApi(opts: {
  namespace: string;
  selector: string;
  roleLabel?: string;
  kubeconfig?: string;
}): PodApi {
  const kc = new KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  const api = kc.makeApiClient(CoreV1Api);
  const roleLabel = opts.roleLabel ?? 'role';
  return {
    async listPods(): Promise<PodSummary[]> {
      const list = await api.listNamespacedPod({
        namespace: opts.namespace,
        labelSelector: opts.selector,
        timeoutSeconds: 5,
      });
      return list.items.map((p) => ({
        name: p.metadata?.name ?? '',
        role: p.metadata?.labels?.[roleLabel],
        ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
        resourceVersion: p.metadata?.resourceVersion ?? '',
      }));
    },
    async setRole(name, role, resourceVersion) {
      await api.patchNamespacedPod(
        {
          name,
          namespace: opts.namespace,
          body: { metadata: { resourceVersion, labels: { [roleLabel]: role } } },
          fieldManager: 'gardenos-router',
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    },
  };
}
