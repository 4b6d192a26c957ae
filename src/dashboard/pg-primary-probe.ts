// The write probe's edge: asks the primary endpoint (HAProxy's primary port) whether it can write, and who answered.
import type pg from 'pg';
import { describeCause } from '../errors.js';
import { pgClient, type PgSsl } from '../runtime/index.js';
import type { PgAddress, PlatformSecrets } from '../render/index.js';
import type { Spec } from '../spec/index.js';
import type { ProbeSample } from './write-gap.js';

export interface PrimaryProbe {
  /** One sample; never throws. */
  probe(): Promise<ProbeSample>;
  close(): Promise<void>;
}

/**
 * One session kept open between samples: a new TLS session and SCRAM login every 100 ms would cost
 * more than the query. A failed query drops the session; the next sample opens a new one, which is
 * also how a switchover shows (HAProxy closes sessions to the old leader).
 */
export class PgPrimaryProbe implements PrimaryProbe {
  private client: pg.Client | undefined;
  private readonly memberAtPort: Map<number, string>;

  constructor(
    private readonly spec: Spec,
    private readonly secrets: PlatformSecrets,
    private readonly endpoint: PgAddress,
    private readonly ssl: PgSsl,
    private readonly timeoutMs = 1000,
    private readonly now: () => number = Date.now,
  ) {
    this.memberAtPort = new Map(spec.nodes.map((n) => [n.pgPort, n.name]));
  }

  async probe(): Promise<ProbeSample> {
    try {
      if (!this.client) {
        const c = await pgClient(this.spec, this.secrets, this.endpoint, this.timeoutMs, this.ssl);
        c.on('error', () => {
          /* a dropped session surfaces through the next query */
        });
        this.client = c;
        await c.connect();
      }
      const r = await this.client.query<{ recovery: boolean; port: number }>(
        'SELECT pg_is_in_recovery() AS recovery, inet_server_port() AS port',
      );
      const row = r.rows[0]!;
      const member = this.memberAtPort.get(row.port) ?? `port ${row.port}`;
      return row.recovery
        ? { at: this.now(), writable: false, member, error: `answered by ${member}, a replica` }
        : { at: this.now(), writable: true, member };
    } catch (err) {
      await this.drop();
      return { at: this.now(), writable: false, member: null, error: describeCause(err) };
    }
  }

  private async drop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    // end() waits for the server's goodbye; a session to a frozen server must not hold the probe up.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      c.end().catch(() => undefined),
      new Promise<void>((r) => (timer = setTimeout(r, this.timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  close(): Promise<void> {
    return this.drop();
  }
}
