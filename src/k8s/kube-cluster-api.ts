// ClusterApi on @kubernetes/client-node: server-side apply (application/apply-patch+yaml, field manager gardenos).
// Never run against a real API server on the machine this was written on; see docs/k8s.md.
import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { GardenError } from '../errors.js';
import type { K8sObject } from '../render/k8s/index.js';
import type { ClusterApi, LiveObject, ObjectRef } from './cluster-api.js';

export const FIELD_MANAGER = 'gardenos';

export function loadKubeConfig(file: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (file) kc.loadFromFile(file);
    else kc.loadFromDefault();
  } catch (cause) {
    throw new GardenError(
      'USAGE',
      `Could not read the kubeconfig${file ? ` ${file}` : ''}: ${(cause as Error).message}.`,
      {
        hint: 'pass --kubeconfig FILE (K3s writes /etc/rancher/k3s/k3s.yaml) or set KUBECONFIG',
        cause,
      },
    );
  }
  if (!kc.getCurrentCluster()) {
    throw new GardenError('USAGE', 'The kubeconfig has no current cluster.', {
      hint: 'pass --kubeconfig FILE or set a current context with `kubectl config use-context`',
    });
  }
  return kc;
}

const isNotFound = (err: unknown) => (err as { code?: number }).code === 404;

export class KubeClusterApi implements ClusterApi {
  private readonly client: KubernetesObjectApi;

  constructor(kc: KubeConfig) {
    this.client = KubernetesObjectApi.makeApiClient(kc);
  }

  async apply(obj: K8sObject): Promise<LiveObject> {
    // force: gardenos owns these fields; another manager's conflicting value is taken over, as kubectl apply --server-side --force-conflicts.
    return (await this.client.patch(
      obj as KubernetesObject,
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    )) as LiveObject;
  }

  async get(ref: ObjectRef): Promise<LiveObject | undefined> {
    try {
      return (await this.client.read({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
      })) as LiveObject;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(apiVersion: string, kind: string, namespace: string, labelSelector: string): Promise<LiveObject[]> {
    const list = await this.client.list(
      apiVersion,
      kind,
      namespace,
      undefined,
      undefined,
      undefined,
      undefined,
      labelSelector,
    );
    return list.items as LiveObject[];
  }
}
