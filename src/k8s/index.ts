// The Kubernetes target's side effects: secrets file, manifest files, and (deploy) applying to a cluster.
export { loadOrCreateK8sSecrets, writeSecretFile } from './secrets-store.js';
export { writeManifests, type WriteResult } from './write-manifests.js';
export { buildDeployPlan, formatPlan, type DeployStep, type Wait } from './deploy-plan.js';
export { deploy, realClock, type Clock, type DeployOptions, type DeployResult } from './deploy.js';
export type { ClusterApi, LiveObject, ObjectRef } from './cluster-api.js';
