// Patroni REST API access.
export { PatroniClient, type PatroniMember, type PatroniCluster, type PatroniAuth } from './client.js';
