// The whole Kubernetes target: components in apply order, their YAML text, and the kustomization.
import { assertEtcdTlsInput } from './etcd-tls.js';
import { hardenPods } from './hardening.js';
import { stringify } from 'yaml';
import type { Spec } from '../../spec/index.js';
import { renderNamespace, renderRbac, renderRouter, renderSecrets, renderStorage } from './base.js';
import { K8S_HEADER, type K8sComponent, type K8sInput, type K8sObject } from './meta.js';
import { renderHostsPostgres } from './hosts-postgres.js';
import { renderPostgres } from './postgres.js';
import { renderPrometheusScrape } from './prometheus-scrape.js';
import { renderRouting } from './routing.js';
import { renderService } from './services.js';
import { renderAppRoleJob } from './app-role.js';
import { renderSupabaseBootstrap, renderSupabaseServices } from './supabase.js';

/** Throws the user error render would throw, before anything (a secrets file) is generated for it. */
export function assertRenderable(spec: Spec): void {
  renderK8s({
    spec,
    // The files are read only after this check: that the spec names them is what is checked here.
    ...(spec.k8s.etcdClientTls ? { etcdTls: { ca: '', cert: '', key: '' } } : {}),
    secrets: {
      postgres: { superuserPassword: '', replicationPassword: '', rewindPassword: '', restapiPassword: '' },
      appPassword: '',
      supabase: PLACEHOLDER_SUPABASE,
    },
  });
}

const PLACEHOLDER_SUPABASE = {
  jwtSecret: '',
  anonKey: '',
  serviceRoleKey: '',
  passwords: { authenticator: '', supabase_auth_admin: '', supabase_storage_admin: '' },
};

/** Every component in dependency order; empty components are left out. */
export function renderK8s(input: K8sInput): K8sComponent[] {
  const { spec } = input;
  // Rendered in this order, so a spec with several mistakes hears about the same one first.
  const namespace = renderNamespace(spec);
  const storage = renderStorage(spec);
  // On the hosts target PostgreSQL and its router run on the servers; pods reach them through HAProxy.
  const rbac = spec.hosts ? [] : renderRbac(spec);
  const secrets = renderSecrets(input);
  const workloads: K8sComponent[] = [
    { name: 'postgres', objects: spec.hosts ? renderHostsPostgres(spec) : renderPostgres(spec) },
    { name: 'router', objects: spec.hosts ? [] : renderRouter(spec) },
    { name: 'supabase-bootstrap', objects: renderSupabaseBootstrap(spec) },
    { name: 'app-role', objects: renderAppRoleJob(spec) },
    ...renderSupabaseServices(spec),
    ...spec.services.map((svc, i) => ({ name: `service-${svc.name}`, objects: renderService(spec, svc, i) })),
  ];
  // What Prometheus scrapes is read from the pods above. Its allow policies go with the deny; its
  // config and discovery RBAC with the router's RBAC, which `gardenos deploy` applies before any pod.
  const scrape = renderPrometheusScrape(spec, allObjects(workloads));
  const components: K8sComponent[] = [
    { name: 'namespace', objects: [...namespace, ...scrape.policies] },
    { name: 'storage', objects: storage },
    { name: 'rbac', objects: [...rbac, ...scrape.objects] },
    { name: 'secrets', objects: secrets },
    ...workloads,
    { name: 'routing', objects: renderRouting(spec) },
  ];
  // After the rest: a spec without etcd endpoints hears about those first.
  if (!spec.hosts) assertEtcdTlsInput(input);
  return components.filter((c) => c.objects.length > 0).map((c) => ({ ...c, objects: hardenPods(c.objects) }));
}

/** Multi-document YAML with sorted keys, so the same spec always gives the same bytes. */
export function componentYaml(c: K8sComponent): string {
  return (
    `# ${K8S_HEADER}\n` +
    c.objects
      .map((o) => stringify(o, { lineWidth: 0, sortMapEntries: true, aliasDuplicateObjects: false }))
      .join('---\n')
  );
}

export function kustomizationYaml(spec: Spec, components: K8sComponent[]): string {
  return (
    `# ${K8S_HEADER}\n` +
    stringify(
      {
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: components.map((c) => `${c.name}.yaml`),
        labels: [{ pairs: { 'gardenos.io/cluster': spec.name }, includeSelectors: false }],
      },
      { lineWidth: 0 },
    )
  );
}

/** File name -> text, including kustomization.yaml. */
export function renderK8sFiles(input: K8sInput): Map<string, string> {
  const components = renderK8s(input);
  const files = new Map<string, string>();
  for (const c of components) files.set(`${c.name}.yaml`, componentYaml(c));
  files.set('kustomization.yaml', kustomizationYaml(input.spec, components));
  return files;
}

export function allObjects(components: K8sComponent[]): K8sObject[] {
  return components.flatMap((c) => c.objects);
}
