// etcd access for a Patroni scope.
export { etcdMembersStatus, fastEtcdClient, type EtcdMemberStatus, type EtcdEndpoint } from './etcd-status.js';
