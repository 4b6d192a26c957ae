// Health, leadership and version of each etcd member, asked of each member directly.
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';

export interface EtcdMemberStatus {
  name: string;
  clientURL: string;
  healthy: boolean;
  isLeader: boolean;
  version?: string;
  error?: string;
}

export interface EtcdEndpoint { name: string; clientURL: string }

/** An etcd3 client that fails fast: no retries, no circuit breaker, a deadline on every call. */
export function fastEtcdClient(hosts: string | string[], timeoutMs = 2000): Etcd3 {
  return new Etcd3({
    hosts,
    dialTimeout: timeoutMs,
    faultHandling: { host: () => noop, global: noop },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeoutMs }),
  });
}

export async function etcdMembersStatus(endpoints: EtcdEndpoint[], timeoutMs = 2000): Promise<EtcdMemberStatus[]> {
  return Promise.all(endpoints.map(async (ep) => {
    const client = fastEtcdClient(ep.clientURL, timeoutMs);
    try {
      const status = await client.maintenance.status();
      const leaderKnown = status.leader !== '0';
      return {
        name: ep.name,
        clientURL: ep.clientURL,
        healthy: leaderKnown,
        isLeader: leaderKnown && status.leader === status.header.member_id,
        version: status.version,
        ...(leaderKnown ? {} : { error: 'no raft leader' }),
      };
    } catch (err) {
      return { name: ep.name, clientURL: ep.clientURL, healthy: false, isLeader: false, error: (err as Error).message };
    } finally {
      client.close();
    }
  }));
}
