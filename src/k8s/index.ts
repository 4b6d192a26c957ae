// The Kubernetes target's side effects: secrets file, manifest files, and (deploy) applying to a cluster.
export { loadOrCreateK8sSecrets, writeSecretFile } from './secrets-store.js';
export { writeManifests, type WriteResult } from './write-manifests.js';
