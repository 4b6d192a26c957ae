// "The primary endpoint reaches a leader that takes writes, every other node streams from it and, in
// synchronous mode, a standby is chosen": asked on one session through the endpoint, on either target.
import type pg from 'pg';
import type { Spec } from '../spec/index.js';

/** What is still missing, in one sentence; undefined when the endpoint's primary is complete. */
export async function primaryAndReplicasProblem(c: pg.Client, spec: Spec): Promise<string | undefined> {
  const replicas = spec.nodes.length - 1;
  const r = await c.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
  if (r.rows[0]?.recovery) return 'the primary port reached a node that is in recovery';
  // txid_current() assigns a transaction id: only a writable primary can do that.
  await c.query('SELECT txid_current()');
  const s = await c.query<{ streaming: string }>(
    // replay_lsn stays NULL until the standby's first status reply (up to wal_receiver_status_interval,
    // 10 s by default); sent_lsn is the primary's own figure and is there at once.
    `SELECT count(*) AS streaming FROM pg_stat_replication WHERE state = 'streaming'
     AND pg_wal_lsn_diff(pg_current_wal_lsn(), coalesce(replay_lsn, sent_lsn)) <= $1
     AND application_name = ANY($2)`,
    // Only members count: pg_basebackup's own WAL stream also shows up as 'streaming'.
    [spec.postgres.maximumLagOnFailover, spec.nodes.map((n) => n.name)],
  );
  const streaming = Number(s.rows[0]?.streaming ?? 0);
  if (streaming < replicas)
    return `${streaming} of ${replicas} replicas stream from the primary within maximumLagOnFailover`;
  if (spec.postgres.synchronousMode && replicas > 0) {
    // Until Patroni names a synchronous standby, commits are not yet protected and a switchover is refused.
    const sync = await c.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_replication WHERE sync_state = 'sync'",
    );
    if (Number(sync.rows[0]?.n ?? 0) < 1) return 'no synchronous standby is chosen yet';
  }
  return undefined;
}
