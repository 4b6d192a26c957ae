// A writer that inserts a new id every few milliseconds and records which inserts were acknowledged,
// through one endpoint (HAProxy's primary port) or, as the "ideal client", trying every node directly.
import pg from 'pg';
import { sslFor } from './harness.js';

export interface Ack {
  id: number;
  at: number;
}

export interface WriterResult {
  acked: Ack[];
  errors: number;
  /** The first few errors, with when they happened (ms, performance.now()), for failure messages. */
  errorSamples: string[];
  /** Longest time (ms) between two consecutive acknowledged writes. */
  longestGapMs: number;
}

export interface WriterOptions {
  /** Ports to write to, in order of preference: one (an endpoint) or every node (the ideal client). */
  ports: number[];
  password: string;
  table: string;
  intervalMs: number;
  host?: string;
  /** Ids are unique across writers when each has its own offset. */
  idOffset?: number;
  /** The role and database to write as (default the superuser into postgres; a pooler takes only ordinary roles). */
  user?: string;
  database?: string;
  /** The CA to check the server by, when the password is not a platform superuser's (sslFor knows only those). */
  ssl?: pg.ClientConfig['ssl'];
  /**
   * Through PgBouncer in transaction mode: no statement_timeout startup parameter (PgBouncer refuses
   * parameters it cannot keep per transaction); the client-side query timeout still bounds each write.
   */
  pooled?: boolean;
}

export class Writer {
  private readonly acked: Ack[] = [];
  private errors = 0;
  private readonly errorSamples: string[] = [];
  private nextId: number;
  private stopped = false;
  private client: pg.Client | undefined;
  private port: number | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly o: WriterOptions) {
    this.nextId = o.idOffset ?? 1;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<WriterResult> {
    this.stopped = true;
    await this.loop;
    await this.client?.end().catch(() => undefined);
    let gap = 0;
    for (let i = 1; i < this.acked.length; i++) gap = Math.max(gap, this.acked[i]!.at - this.acked[i - 1]!.at);
    return { acked: this.acked, errors: this.errors, errorSamples: this.errorSamples, longestGapMs: gap };
  }

  /** Acknowledged writes so far (for waiting until writes resume). */
  ackedSince(t: number): number {
    return this.acked.filter((a) => a.at > t).length;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const started = performance.now();
      const id = this.nextId++;
      try {
        const client = await this.connected();
        await client.query(`INSERT INTO ${this.o.table} (id) VALUES ($1)`, [id]);
        this.acked.push({ id, at: performance.now() });
      } catch (err) {
        this.errors++;
        if (this.errorSamples.length < 3)
          this.errorSamples.push(`${performance.now().toFixed(0)} ms: ${(err as Error).message}`);
        const broken = this.client;
        this.client = undefined;
        this.port = undefined;
        await broken?.end().catch(() => undefined);
      }
      const wait = this.o.intervalMs - (performance.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** With several ports, keep only a connection to a node that is not in recovery (the ideal client). */
  private async connected(): Promise<pg.Client> {
    if (this.client) return this.client;
    let lastError: unknown = new Error('no port');
    for (const port of this.o.ports) {
      const client = new pg.Client({
        host: this.o.host ?? '127.0.0.1',
        port,
        user: this.o.user ?? 'postgres',
        password: this.o.password,
        database: this.o.database ?? 'postgres',
        ssl: this.o.ssl ?? sslFor(this.o.password),
        connectionTimeoutMillis: 1000,
        // A pooled client waits through the pooler's pause (that wait is what is measured), so it allows 10 s.
        query_timeout: this.o.pooled ? 10_000 : 2000,
        ...(this.o.pooled ? {} : { statement_timeout: 2000 }),
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        if (this.o.ports.length > 1) {
          const r = await client.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
          if (r.rows[0]?.recovery) {
            await client.end();
            continue;
          }
        }
        this.client = client;
        this.port = port;
        return client;
      } catch (err) {
        lastError = err;
        await client.end().catch(() => undefined);
      }
    }
    throw lastError;
  }
}

/** Acknowledged ids that are not in the table: each one is a lost write. */
export async function missingAcked(
  query: (sql: string) => Promise<{ id: string }[]>,
  table: string,
  acked: Ack[],
): Promise<number[]> {
  const present = new Set((await query(`SELECT id FROM ${table}`)).map((r) => Number(r.id)));
  return acked.map((a) => a.id).filter((id) => !present.has(id));
}
