// PgBouncer's traffic counters (SHOW STATS), as prometheus-pgbouncer-exporter would give them: Debian's
// exporter (1.7) fails on PgBouncer 1.18's SHOW STATS, so the router, which already holds the admin
// console, exports them. Counters since PgBouncer started, per database (its own console left out).
import { Counter, type Registry } from 'prom-client';
import type { AdminRow } from '../pooler/admin-console.js';
import { cachedFor } from './scrape-cache.js';

export interface PoolerTraffic {
  database: string;
  transactions: number;
  queries: number;
  receivedBytes: number;
  sentBytes: number;
  /** Time spent in queries and transactions, and clients' time waiting for a server, in seconds. */
  querySeconds: number;
  transactionSeconds: number;
  waitSeconds: number;
}

/** The columns read from SHOW STATS (PgBouncer 1.8 to 1.24 name them so; times in microseconds). */
export const STATS_COLUMNS = [
  'database',
  'total_xact_count',
  'total_query_count',
  'total_received',
  'total_sent',
  'total_query_time',
  'total_xact_time',
  'total_wait_time',
] as const;

export function poolerTraffic(rows: readonly AdminRow[]): PoolerTraffic[] {
  const n = (v: AdminRow[string] | undefined) => Number(v ?? 0);
  return rows
    .filter((r) => r.database !== 'pgbouncer')
    .map((r) => ({
      database: String(r.database),
      transactions: n(r.total_xact_count),
      queries: n(r.total_query_count),
      receivedBytes: n(r.total_received),
      sentBytes: n(r.total_sent),
      querySeconds: n(r.total_query_time) / 1e6,
      transactionSeconds: n(r.total_xact_time) / 1e6,
      waitSeconds: n(r.total_wait_time) / 1e6,
    }));
}

const COUNTERS: { field: Exclude<keyof PoolerTraffic, 'database'>; name: string; help: string }[] = [
  { field: 'transactions', name: 'gardenos_pooler_transactions_total', help: 'Transactions PgBouncer pooled' },
  { field: 'queries', name: 'gardenos_pooler_queries_total', help: 'Queries PgBouncer pooled' },
  { field: 'receivedBytes', name: 'gardenos_pooler_received_bytes_total', help: 'Bytes received from clients' },
  { field: 'sentBytes', name: 'gardenos_pooler_sent_bytes_total', help: 'Bytes sent to clients' },
  { field: 'querySeconds', name: 'gardenos_pooler_query_seconds_total', help: 'Time spent in pooled queries' },
  {
    field: 'transactionSeconds',
    name: 'gardenos_pooler_transaction_seconds_total',
    help: 'Time spent in pooled transactions',
  },
  {
    field: 'waitSeconds',
    name: 'gardenos_pooler_client_wait_seconds_total',
    help: 'Time clients waited for a server connection',
  },
];

/** Registers the counters, all read by one SHOW STATS per scrape (cached for a second). */
export function registerPoolerTraffic(registry: Registry, showStats: () => Promise<AdminRow[]>): void {
  // An unreachable console gives no series (gardenos_pooler_up says why), not zeros that look like a reset.
  const traffic = cachedFor(1000, () => showStats().then(poolerTraffic, (): PoolerTraffic[] => []));
  for (const c of COUNTERS) {
    new Counter({
      name: c.name,
      help: c.help,
      labelNames: ['database'],
      registers: [registry],
      async collect() {
        // PgBouncer keeps the count; the counter is set to it at each scrape.
        this.reset();
        for (const t of await traffic()) this.inc({ database: t.database }, t[c.field]);
      },
    });
  }
}
