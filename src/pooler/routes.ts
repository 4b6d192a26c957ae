// Which member PgBouncer's loaded databases point at: one mapping, read by the route target and the pause.
import type { AdminRow } from './admin-console.js';

/** Where a member's PostgreSQL takes PgBouncer's connections (locally a socket directory) and its port. */
export interface PoolerMember {
  name: string;
  host: string;
  port: number;
}

/** The member a SHOW DATABASES row points at, if any. */
export function memberOfRow(row: AdminRow, members: readonly PoolerMember[]): string | undefined {
  return members.find((m) => m.host === row.host && m.port === Number(row.port))?.name;
}
