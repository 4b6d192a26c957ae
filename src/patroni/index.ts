// Patroni REST API access: the client, and the one reader of the cluster view every command uses.
export {
  PatroniClient,
  PatroniApiError,
  type PatroniFailure,
  type PatroniMember,
  type PatroniCluster,
  type PatroniAuth,
} from './client.js';
export {
  PatroniClusterReader,
  lastReadError,
  type ClusterReader,
  type ClusterView,
  type ClusterMember,
  type MemberReadError,
  type ReadClusterOptions,
  type PatroniApi,
  type FetchCluster,
} from './cluster-reader.js';
