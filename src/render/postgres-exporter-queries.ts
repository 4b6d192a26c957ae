// gardenos's extra queries for prometheus-postgres-exporter (--extend.query-path), the same on every target.
import { stringify } from 'yaml';
import { GENERATED_HEADER } from './topology.js';

/** prometheus-postgres-exporter's extra queries (--extend.query-path): role, replication, archiving. */
export function renderPostgresExporterQueries(): string {
  const gauge = (description: string) => ({ usage: 'GAUGE', description });
  const queries = {
    pg_gardenos_recovery: {
      query: 'SELECT CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END AS in_recovery',
      metrics: [{ in_recovery: gauge('1 on a standby, 0 on a server that takes writes') }],
    },
    pg_gardenos_replication: {
      query:
        "SELECT application_name, COALESCE(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0) AS replay_lag_bytes, CASE WHEN state = 'streaming' THEN 1 ELSE 0 END AS streaming FROM pg_stat_replication WHERE NOT pg_is_in_recovery()",
      metrics: [
        { application_name: { usage: 'LABEL', description: 'The standby (its Patroni name)' } },
        { replay_lag_bytes: gauge('WAL bytes the standby has not replayed yet') },
        { streaming: gauge('1 while the standby streams') },
      ],
    },
    pg_gardenos_archiver: {
      query:
        'SELECT failed_count, archived_count, COALESCE(EXTRACT(EPOCH FROM last_failed_time), 0) AS last_failed_time, COALESCE(EXTRACT(EPOCH FROM last_archived_time), 0) AS last_archived_time FROM pg_stat_archiver',
      metrics: [
        { failed_count: { usage: 'COUNTER', description: 'Failed WAL archive attempts' } },
        { archived_count: { usage: 'COUNTER', description: 'WAL files archived' } },
        { last_failed_time: gauge('When archiving last failed (epoch seconds, 0 never)') },
        { last_archived_time: gauge('When a WAL file was last archived (epoch seconds, 0 never)') },
      ],
    },
  };
  return `# ${GENERATED_HEADER}\n` + stringify(queries, { lineWidth: 0 });
}
