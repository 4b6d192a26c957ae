// The PostgreSQL half of a VerifyEnv, the same on both targets: the endpoint and node probes, the writer
// and prober, and verify's own table, all through one VerifyPg.
import type pg from 'pg';
import type { PgAddress } from '../../render/index.js';
import { pgAddress } from '../../render/index.js';
import type { VerifyEnv } from './env.js';
import { PgProber, PgWriter, SERVED_BY_SQL, VERIFY_TABLE, type ServedBy, type VerifyPg } from './pg-clients.js';

export type VerifyPgParts = Pick<
  VerifyEnv,
  'primaryEndpoint' | 'nodeInRecovery' | 'newWriter' | 'newProber' | 'createTable' | 'presentIds' | 'dropTable'
>;

export function verifyPgParts(vpg: VerifyPg): VerifyPgParts {
  const withClient = async <T>(at: PgAddress, fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = vpg.client(at, 2000);
    try {
      await c.connect();
      return await fn(c);
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  return {
    primaryEndpoint: () =>
      withClient(vpg.primary, async (c) => {
        const row = (await c.query<ServedBy>(SERVED_BY_SQL)).rows[0];
        return { node: row ? vpg.nodeServing(row.address, row.port) : null, writable: row?.recovery === false };
      }),
    async nodeInRecovery(node) {
      try {
        return await withClient(
          pgAddress(vpg.spec, node),
          async (c) => (await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r ?? null,
        );
      } catch {
        return null;
      }
    },
    newWriter: (run) => new PgWriter(vpg, run),
    newProber: () => new PgProber(vpg),
    createTable: () =>
      withClient(vpg.primary, async (c) => {
        await c.query('CREATE SCHEMA IF NOT EXISTS gardenos_verify');
        await c.query(
          `CREATE TABLE IF NOT EXISTS ${VERIFY_TABLE} (run text NOT NULL, id bigint NOT NULL, at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (run, id))`,
        );
      }),
    presentIds: (run) =>
      withClient(vpg.primary, async (c) => {
        const r = await c.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
        // Looked up on a node in recovery, a lagging replica would report writes as lost that are not.
        if (r.rows[0]?.recovery) throw new Error('the primary port reached a node in recovery');
        const rows = await c.query<{ id: string }>(`SELECT id FROM ${VERIFY_TABLE} WHERE run = $1`, [run]);
        return new Set(rows.rows.map((x) => Number(x.id)));
      }),
    // Only our own schema: DROP SCHEMA without CASCADE refuses if anything else was put in it.
    dropTable: () =>
      withClient(vpg.primary, async (c) => {
        await c.query(`DROP TABLE IF EXISTS ${VERIFY_TABLE}`);
        await c.query('DROP SCHEMA IF EXISTS gardenos_verify').catch(() => undefined);
      }),
  };
}
