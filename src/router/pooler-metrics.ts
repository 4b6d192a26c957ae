// PgBouncer's state as the router's metrics, read from its admin console at scrape time (at most once
// a second, however many gauges ask).
import { Gauge, type Registry } from 'prom-client';
import { poolerStatus, type PoolerSource, type PoolerStatus } from '../ops/pooler-status.js';
import { cachedFor } from './scrape-cache.js';

/** Registers the gauges; returns the cached reader they share (the router's /pooler answers from it too). */
export function registerPoolerGauges(registry: Registry, source: PoolerSource): () => Promise<PoolerStatus> {
  const status = cachedFor(1000, () => poolerStatus(source));
  new Gauge({
    name: 'gardenos_pooler_up',
    help: '1 when PgBouncer answers on its admin console',
    registers: [registry],
    async collect() {
      this.set((await status()).reachable ? 1 : 0);
    },
  });
  new Gauge({
    name: 'gardenos_pooler_routed_to',
    help: '1 for the member PgBouncer routes to (none while un-routed)',
    labelNames: ['member'],
    registers: [registry],
    async collect() {
      const s = await status();
      this.reset();
      if (s.routedTo) this.set({ member: s.routedTo }, 1);
    },
  });
  new Gauge({
    name: 'gardenos_pooler_clients_waiting',
    help: 'Clients queued for a server connection (a pause, or a full pool)',
    registers: [registry],
    async collect() {
      this.set((await status()).clientsWaiting);
    },
  });
  new Gauge({
    name: 'gardenos_pooler_longest_wait_seconds',
    help: 'The longest a queued client has waited',
    registers: [registry],
    async collect() {
      this.set((await status()).longestWaitS);
    },
  });
  new Gauge({
    name: 'gardenos_pooler_server_connections',
    help: 'PgBouncer server connections by member',
    labelNames: ['member'],
    registers: [registry],
    async collect() {
      const s = await status();
      this.reset();
      for (const c of s.serverConnections) this.set({ member: c.member }, c.count);
    },
  });
  return status;
}
