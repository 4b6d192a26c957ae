// A PlatformStatus for the dashboard's tests: a healthy two-node platform, any field overridden.
import type { PlatformStatus } from '../ops/index.js';

export function statusFixture(over: Partial<PlatformStatus> = {}): PlatformStatus {
  const member = (name: string, role: string, state: string, lagBytes: number | null) => ({
    name,
    role,
    state,
    timeline: 3,
    lagBytes,
    host: '127.0.0.1',
    port: name === 'pg1' ? 20501 : 20502,
    apiURL: `http://127.0.0.1/${name}`,
  });
  return {
    name: 'garden',
    stateDir: '/s',
    health: 'healthy',
    problems: [],
    processes: [{ id: 'patroni-pg1', kind: 'patroni', member: 'pg1', running: true, pid: 1 }],
    etcd: { members: [{ name: 'etcd1', clientURL: 'http://x', healthy: true, isLeader: true, version: '3.5' }] },
    postgres: {
      scope: 'garden',
      leader: 'pg1',
      members: [member('pg1', 'leader', 'running', 0), member('pg2', 'sync_standby', 'streaming', 128)],
    },
    haproxy: { statsURL: 'http://x', backends: [{ name: 'primary', servers: [{ name: 'pg1', status: 'UP' }] }] },
    endpoints: { primary: { host: '127.0.0.1', port: 20500 }, replicas: { host: '127.0.0.1', port: 20501 } },
    router: {
      url: 'http://r',
      reachable: true,
      leader: 'pg1',
      routedTo: 'pg1',
      lastDecision: 'routed',
      watchErrors: 0,
    },
    poolers: [
      {
        port: 20504,
        mode: 'transaction',
        reachable: true,
        routedTo: 'pg1',
        clientsWaiting: 0,
        longestWaitS: 0,
        serverConnections: [],
      },
    ],
    kernelRoute: null,
    monitoring: null,
    ...over,
  };
}
