// Pure Kubernetes renderers: spec + secrets in, objects and YAML text out.
export { assertRenderable, renderK8s, renderK8sFiles, componentYaml, kustomizationYaml, allObjects } from './bundle.js';
export { buildK8sPatroniConfig, renderK8sPgHba } from './postgres.js';
export { SUPABASE_PORTS } from './supabase.js';
export { PROMETHEUS_FILES, PROMETHEUS_COMPONENT } from './prometheus-scrape.js';
export {
  namesOf,
  K8S_HEADER,
  type EtcdClientPem,
  type K8sObject,
  type K8sComponent,
  type K8sInput,
  type K8sSecrets,
} from './meta.js';
