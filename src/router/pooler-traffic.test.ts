// PgBouncer's SHOW STATS as counters: the columns read exist in the installed PgBouncer's output, the
// figures are converted, its own console is left out, and an unreachable console gives no series.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { AdminRow } from '../pooler/admin-console.js';
import { startPgbouncer } from '../pooler/test-support/pgbouncer-harness.js';
import { poolerTraffic, registerPoolerTraffic, STATS_COLUMNS } from './pooler-traffic.js';

test('poolerTraffic: per database, microseconds as seconds, the pgbouncer console left out', () => {
  const rows: AdminRow[] = [
    { database: 'pgbouncer', total_xact_count: 9, total_query_count: 9 },
    {
      database: 'postgres',
      total_xact_count: 12,
      total_query_count: 30,
      total_received: 4096,
      total_sent: 8192,
      total_query_time: 2_500_000,
      total_xact_time: 3_000_000,
      total_wait_time: 500_000,
    },
  ];
  assert.deepEqual(poolerTraffic(rows), [
    {
      database: 'postgres',
      transactions: 12,
      queries: 30,
      receivedBytes: 4096,
      sentBytes: 8192,
      querySeconds: 2.5,
      transactionSeconds: 3,
      waitSeconds: 0.5,
    },
  ]);
});

test('against a real PgBouncer: SHOW STATS has every column read, and the console is no series (test/e2e/pooler.test.ts counts real traffic)', async (t) => {
  const h = await startPgbouncer();
  t.after(h.stop);
  const rows = await h.admin.show('STATS');
  assert.ok(rows.length > 0, 'SHOW STATS lists at least the console');
  for (const column of STATS_COLUMNS) assert.ok(column in rows[0]!, `SHOW STATS has no column ${column}`);
  const registry = new Registry();
  registerPoolerTraffic(registry, () => h.admin.show('STATS'));
  const text = await registry.metrics();
  assert.match(text, /# TYPE gardenos_pooler_transactions_total counter/);
  assert.doesNotMatch(text, /database="pgbouncer"/);
});

test('an unreachable console: no series rather than zeros that would read as a counter reset', async () => {
  const registry = new Registry();
  registerPoolerTraffic(registry, () => Promise.reject(new Error('connect ENOENT')));
  const text = await registry.metrics();
  assert.match(text, /# TYPE gardenos_pooler_transactions_total counter/);
  assert.doesNotMatch(text, /gardenos_pooler_transactions_total\{/);
});
