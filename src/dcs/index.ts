// etcd access for a Patroni scope.
export { etcdMembersStatus, type EtcdMemberStatus, type EtcdEndpoint, type EtcdTls } from './etcd-status.js';
export { fastEtcdClient } from './etcd-client.js';
export {
  readScope,
  deleteScope,
  prefixRangeEnd,
  assertScopePrefix,
  PATRONI_KEYS,
  type ScopeKey,
  type ScopeSnapshot,
} from './scope-keys.js';
export { decodeScope, initdbTime, type DecodedKey } from './scope-view.js';
