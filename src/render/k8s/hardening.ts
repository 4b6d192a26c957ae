// Pod hardening applied to every workload the Kubernetes target renders, in one place: the kernel's
// default seccomp filter, and no service-account token in pods that never call the Kubernetes API.
// Who each container runs as and what it may write is per image: image-profiles.ts.
import type { K8sObject } from './meta.js';

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'Job', 'DaemonSet']);

interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: Record<string, unknown>;
}

/** The objects with every pod template hardened; other objects are returned as they are. */
export function hardenPods(objects: K8sObject[]): K8sObject[] {
  return objects.map((o) => {
    if (!WORKLOADS.has(o.kind)) return o;
    const spec = (o as { spec?: { template?: { spec?: PodSpec } } }).spec;
    const pod = spec?.template?.spec;
    if (!pod) return o;
    const hardened: PodSpec = {
      ...pod,
      // Only the router talks to the API server (it labels pods); nobody else gets a token to steal.
      automountServiceAccountToken: pod.serviceAccountName !== undefined,
      securityContext: { ...pod.securityContext, seccompProfile: { type: 'RuntimeDefault' } },
    };
    return { ...o, spec: { ...spec, template: { ...spec!.template, spec: hardened } } } as K8sObject;
  });
}
