// What a database holds, for comparing source and target: exact row counts per table, sequence values.
import type pg from 'pg';

export interface Inventory {
  tables: { name: string; rows: number }[];
  sequences: { name: string; lastValue: string | null }[];
}

const USER_SCHEMAS =
  "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'";

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Counts run in the caller's transaction: inside an exported snapshot they match what pg_dump saw. */
export async function readInventory(c: pg.Client): Promise<Inventory> {
  const tables = await c.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND ${USER_SCHEMAS} ORDER BY 1, 2`,
  );
  const counted: Inventory['tables'] = [];
  for (const t of tables.rows) {
    const r = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident(t.schema)}.${ident(t.name)}`);
    counted.push({ name: `${t.schema}.${t.name}`, rows: Number(r.rows[0]!.n) });
  }
  const seqs = await c.query<{ name: string; last_value: string | null }>(
    `SELECT schemaname || '.' || sequencename AS name, last_value::text FROM pg_sequences
     WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
  );
  return { tables: counted, sequences: seqs.rows.map((s) => ({ name: s.name, lastValue: s.last_value })) };
}

export interface Comparison {
  tables: { name: string; source: number; target: number | null; ok: boolean }[];
  sequences: { name: string; source: string | null; target: string | null; ok: boolean }[];
  ok: boolean;
}

export function compareInventories(source: Inventory, target: Inventory): Comparison {
  const tables = source.tables.map((t) => {
    const other = target.tables.find((x) => x.name === t.name);
    return { name: t.name, source: t.rows, target: other?.rows ?? null, ok: other?.rows === t.rows };
  });
  const sequences = source.sequences.map((s) => {
    const other = target.sequences.find((x) => x.name === s.name);
    return {
      name: s.name,
      source: s.lastValue,
      target: other ? other.lastValue : null,
      ok: other !== undefined && other.lastValue === s.lastValue,
    };
  });
  return { tables, sequences, ok: tables.every((t) => t.ok) && sequences.every((s) => s.ok) };
}

/** Target tables that already hold rows and would be written into. */
export function nonEmptyTargets(source: Inventory, target: Inventory): { name: string; rows: number }[] {
  return target.tables.filter((t) => t.rows > 0 && source.tables.some((s) => s.name === t.name));
}
