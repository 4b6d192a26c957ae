// etcd access for a Patroni scope.
export { etcdMembersStatus, fastEtcdClient, type EtcdMemberStatus, type EtcdEndpoint, type EtcdTls } from './etcd-status.js';
