// Checks of Kubernetes objects (from --manifests files or a live cluster): storage, taints, endpoints, Patroni DCS, fsGroup.
import type { Check, DoctorContext, KubeObject, Problem } from './types.js';

const where = (o: KubeObject) =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name ?? '?'}${o.source ? ` (${o.source})` : ''}`;

async function objects(ctx: DoctorContext): Promise<KubeObject[] | { skipped: string }> {
  const res = await ctx.env.kubeObjects();
  if (res === undefined) return { skipped: 'no --manifests DIR or --kubeconfig given' };
  if (!res.ok) return { skipped: `cannot read Kubernetes objects: ${res.error}` };
  return res.value;
}

type PodSpec = {
  containers?: {
    name?: string;
    image?: string;
    env?: { name: string; value?: string }[];
    volumeMounts?: { name: string; mountPath: string }[];
  }[];
  initContainers?: unknown[];
  tolerations?: { key?: string; operator?: string; effect?: string }[];
  securityContext?: { fsGroup?: number };
};

/** Workloads with their pod template (Pods, StatefulSets, Deployments, DaemonSets, Jobs). */
function podTemplates(objs: KubeObject[]): {
  owner: KubeObject;
  labels: Record<string, string>;
  pod: PodSpec;
  claims: { storageClassName?: string; name?: string }[];
}[] {
  return objs.flatMap((o) => {
    if (o.kind === 'Pod')
      return [{ owner: o, labels: o.metadata.labels ?? {}, pod: (o.spec ?? {}) as PodSpec, claims: [] }];
    const t = (o.spec as { template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec } } | undefined)
      ?.template;
    if (!t) return [];
    const vct = (
      (o.spec as { volumeClaimTemplates?: { metadata?: { name?: string }; spec?: { storageClassName?: string } }[] })
        .volumeClaimTemplates ?? []
    ).map((c) => ({
      name: c.metadata?.name,
      ...(c.spec?.storageClassName !== undefined ? { storageClassName: c.spec.storageClassName } : {}),
    }));
    return [{ owner: o, labels: t.metadata?.labels ?? {}, pod: t.spec ?? {}, claims: vct }];
  });
}

export const pvcStorageClass: Check = {
  id: 'k8s.pvc-no-storageclass',
  layer: 'kubernetes',
  title: 'every PVC names a StorageClass that exists, or a default StorageClass exists',
  async run(ctx) {
    const objs = await objects(ctx);
    if (!Array.isArray(objs)) return objs;
    const classes = objs.filter((o) => o.kind === 'StorageClass');
    const names = new Set(classes.map((c) => c.metadata.name));
    const hasDefault = classes.some(
      (c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true',
    );
    const claims = [
      ...objs
        .filter((o) => o.kind === 'PersistentVolumeClaim')
        .map((o) => ({
          owner: o,
          name: o.metadata.name,
          sc: (o.spec as { storageClassName?: string } | undefined)?.storageClassName,
          phase: (o.status as { phase?: string } | undefined)?.phase,
        })),
      ...podTemplates(objs).flatMap((t) =>
        t.claims.map((c) => ({
          owner: t.owner,
          name: c.name,
          sc: c.storageClassName,
          phase: undefined as string | undefined,
        })),
      ),
    ];
    return claims
      .filter((c) => (c.sc === undefined ? !hasDefault : c.sc !== '' && !names.has(c.sc)))
      .map((c): Problem => ({
        severity: 'error',
        title: `claim ${c.name ?? '?'} of ${where(c.owner)} ${c.sc === undefined ? 'has no storageClassName and there is no default StorageClass' : `names StorageClass ${c.sc}, which does not exist`}`,
        evidence: `StorageClasses: ${classes.map((s) => `${s.metadata.name}${s.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' ? ' (default)' : ''}`).join(', ') || 'none'}${c.phase ? `; claim phase ${c.phase}` : ''}`,
        cause: 'no provisioner will create a volume, so the PVC stays Pending and its pod is never scheduled',
        fix: 'install a provisioner and mark it default (local-path-provisioner on K3s: `kubectl patch storageclass local-path -p \'{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}\'`), or set storageClassName',
      }));
  },
};

export const noScheduleTaints: Check = {
  id: 'k8s.noschedule-taints',
  layer: 'kubernetes',
  title: 'workloads tolerate the NoSchedule taints of the nodes, or some node is untainted',
  async run(ctx) {
    const objs = await objects(ctx);
    if (!Array.isArray(objs)) return objs;
    const nodes = objs.filter((o) => o.kind === 'Node');
    if (nodes.length === 0) return { skipped: 'no Node objects to compare with' };
    const taintsOf = (n: KubeObject) =>
      ((n.spec as { taints?: { key: string; effect: string }[] } | undefined)?.taints ?? []).filter(
        (t) => t.effect === 'NoSchedule',
      );
    const problems: Problem[] = [];
    for (const t of podTemplates(objs)) {
      const tolerates = (taint: { key: string; effect: string }) =>
        (t.pod.tolerations ?? []).some(
          (tol) =>
            (tol.operator === 'Exists' && (tol.key === undefined || tol.key === taint.key)) ||
            (tol.key === taint.key && (tol.effect === undefined || tol.effect === taint.effect)),
        );
      const schedulable = nodes.filter((n) => taintsOf(n).every(tolerates));
      if (schedulable.length > 0) continue;
      problems.push({
        severity: 'error',
        title: `${where(t.owner)} fits no node: every node has a NoSchedule taint it does not tolerate`,
        evidence: nodes
          .map(
            (n) =>
              `${n.metadata.name}: ${taintsOf(n)
                .map((x) => x.key)
                .join(', ')}`,
          )
          .join('; '),
        cause:
          'control-plane nodes carry node-role.kubernetes.io/control-plane:NoSchedule; on a cluster of only control-plane nodes nothing schedules',
        fix: 'on hybrid control-plane/worker nodes remove the taint (`kubectl taint nodes --all node-role.kubernetes.io/control-plane-`) or add a toleration',
      });
    }
    return problems;
  },
};

export const serviceEndpoints: Check = {
  id: 'k8s.service-no-endpoints',
  layer: 'kubernetes',
  title: 'every Service selects some pod, or has Endpoints of its own',
  async run(ctx) {
    const objs = await objects(ctx);
    if (!Array.isArray(objs)) return objs;
    const templates = podTemplates(objs);
    const endpoints = new Set(
      objs
        .filter((o) => o.kind === 'Endpoints' && (o.subsets?.length ?? 0) > 0)
        .map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`),
    );
    const slices = new Set(
      objs
        .filter((o) => o.kind === 'EndpointSlice')
        .map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.labels?.['kubernetes.io/service-name'] ?? ''}`),
    );
    const problems: Problem[] = [];
    for (const svc of objs.filter((o) => o.kind === 'Service')) {
      const spec = (svc.spec ?? {}) as { selector?: Record<string, string>; type?: string };
      if (spec.type === 'ExternalName') continue;
      const key = `${svc.metadata.namespace ?? ''}/${svc.metadata.name}`;
      const selector = spec.selector ?? {};
      const selects =
        Object.keys(selector).length > 0 &&
        templates.some((t) => Object.entries(selector).every(([k, v]) => t.labels[k] === v));
      if (selects || endpoints.has(key) || slices.has(key)) continue;
      problems.push({
        severity: 'error',
        title: `Service ${key} has no endpoints`,
        evidence:
          Object.keys(selector).length > 0
            ? `selector ${JSON.stringify(selector)} matches no pod template`
            : 'no selector and no Endpoints/EndpointSlice with addresses',
        cause:
          'clients of this Service get "connection refused"; for a primary Service, whatever should write its endpoints (Patroni, a router) is not doing it',
        fix: 'select pods by a label the leader carries (e.g. role=primary set by Patroni or the gardenos router), or let the router write the endpoints',
      });
    }
    return problems;
  },
};

export const k8sPatroniV2: Check = {
  id: 'k8s.patroni-etcd-v2',
  layer: 'kubernetes',
  title: 'Patroni in Kubernetes is configured for etcd3, not the v2 API',
  async run(ctx) {
    const objs = await objects(ctx);
    if (!Array.isArray(objs)) return objs;
    const problems: Problem[] = [];
    for (const t of podTemplates(objs)) {
      for (const c of t.pod.containers ?? []) {
        const v2 = (c.env ?? []).find(
          (e) => e.name === 'PATRONI_ETCD_HOSTS' || e.name === 'PATRONI_ETCD_HOST' || e.name === 'PATRONI_ETCD_URL',
        );
        if (v2) problems.push(v2Problem(`${where(t.owner)} container ${c.name ?? '?'} sets ${v2.name}`));
      }
    }
    for (const cm of objs.filter((o) => o.kind === 'ConfigMap')) {
      for (const [k, v] of Object.entries(cm.data ?? {}))
        if (/^etcd:\s*$/m.test(v)) problems.push(v2Problem(`${where(cm)} key ${k} has a top-level \`etcd:\` section`));
    }
    return problems;
  },
};

function v2Problem(evidence: string): Problem {
  return {
    severity: 'error',
    title: 'Patroni is configured for the etcd v2 API',
    evidence,
    cause: 'etcd 3.4+ serves only v3 by default: Patroni never finds the cluster',
    fix: 'use PATRONI_ETCD3_HOSTS / an `etcd3:` section',
  };
}

export const podDataPermissions: Check = {
  id: 'k8s.pgdata-permissions',
  layer: 'kubernetes',
  title: 'PostgreSQL pods mounting a volume set fsGroup or fix ownership in an initContainer',
  async run(ctx) {
    const objs = await objects(ctx);
    if (!Array.isArray(objs)) return objs;
    return podTemplates(objs)
      .filter((t) =>
        (t.pod.containers ?? []).some(
          (c) => /postgres|spilo|patroni/.test(c.image ?? '') && (c.volumeMounts ?? []).length > 0,
        ),
      )
      .filter((t) => t.pod.securityContext?.fsGroup === undefined && (t.pod.initContainers ?? []).length === 0)
      .map((t): Problem => ({
        severity: 'warning',
        title: `${where(t.owner)} runs PostgreSQL on a volume without fsGroup or an init container`,
        evidence: 'securityContext.fsGroup is unset and there are no initContainers',
        cause:
          'provisioners such as local-path create root-owned directories: initdb fails with "could not change permissions of directory"',
        fix: 'set spec.securityContext.fsGroup to the PostgreSQL group (e.g. 101 for Spilo), or chown -R and chmod 700 the data dir in an initContainer',
      }));
  },
};
