// The narrow interface deploy needs from a Kubernetes API server; kube-cluster-api.ts implements it.
import type { K8sObject } from '../render/k8s/index.js';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** What the API server returns: the object with its status. */
export type LiveObject = K8sObject & {
  status?: Record<string, unknown>;
  metadata: K8sObject['metadata'] & { generation?: number };
};

export interface ClusterApi {
  /** Server-side apply with field manager "gardenos"; applying the same object twice changes nothing. */
  apply(obj: K8sObject): Promise<LiveObject>;
  /** undefined when the object does not exist. */
  get(ref: ObjectRef): Promise<LiveObject | undefined>;
  list(apiVersion: string, kind: string, namespace: string, labelSelector: string): Promise<LiveObject[]>;
}

export function refOf(obj: K8sObject): ObjectRef {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
}

export function describeRef(ref: ObjectRef): string {
  return `${ref.kind}/${ref.name}${ref.namespace ? ` (${ref.namespace})` : ''}`;
}
