// With a hosts section, PostgreSQL runs on the servers, not in the cluster: the primary and replica
// Services have no selector and their EndpointSlices list every haproxy host's address, so pods reach
// PostgreSQL through the hosts' HAProxy (which follows the Patroni leader) under the same names.
import { hostsWithRole, type Spec } from '../../spec/index.js';
import { metadata, namesOf, PG_PORT, type K8sObject } from './meta.js';

export function renderHostsPostgres(spec: Spec): K8sObject[] {
  const n = namesOf(spec);
  const addresses = hostsWithRole(spec, 'haproxy').map((h) => h.address);
  const pair = (name: string, component: string, hostPort: number): K8sObject[] => [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(spec, name, component),
      // No selector: Kubernetes leaves the endpoints to the EndpointSlice below.
      spec: {
        type: 'ClusterIP',
        ports: [{ name: 'postgresql', port: PG_PORT, targetPort: hostPort, protocol: 'TCP' }],
      },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        ...metadata(spec, `${name}-hosts`, component),
        labels: {
          ...metadata(spec, name, component).labels,
          'kubernetes.io/service-name': name,
          'endpointslice.kubernetes.io/managed-by': 'gardenos.io',
        },
      },
      addressType: 'IPv4',
      // The port name matches the Service port, which is how a selector-less Service finds it.
      ports: [{ name: 'postgresql', port: hostPort, protocol: 'TCP' }],
      endpoints: addresses.map((address) => ({ addresses: [address], conditions: { ready: true } })),
    },
  ];
  return [
    ...pair(n.primary, 'postgres-primary', spec.haproxy.primaryPort),
    ...pair(n.replicas, 'postgres-replicas', spec.haproxy.replicaPort),
  ];
}
