// PgBouncer's admin console over its Unix socket: SHOW, RELOAD, RECONNECT, PAUSE, RESUME.
// Peer auth: the console knows who we are from the socket, so no password exists for it.
import { userInfo } from 'node:os';

export interface PoolerAdminAt {
  /** unix_socket_dir of PgBouncer. */
  socketDir: string;
  port: number;
  /** The OS user we connect as; PgBouncer's hba maps it by peer auth (default: our own). */
  user?: string;
}

export type AdminRow = Record<string, string | number | null>;

/** A console command failed: PgBouncer's own message (or the connection error), and the command. */
export class PoolerAdminError extends Error {
  constructor(
    readonly command: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(`PgBouncer's admin console refused "${command}": ${message}`);
    this.name = 'PoolerAdminError';
  }
}

export class PoolerAdmin {
  constructor(
    private readonly at: PoolerAdminAt,
    private readonly timeoutMs = 2000,
  ) {}

  /** One command on a connection of its own (the console is local and cheap; PAUSE blocks its connection). */
  async run(command: string, timeoutMs = this.timeoutMs): Promise<AdminRow[]> {
    // pg is loaded on first use, as in pg-session.ts: the router may never query.
    const { default: driver } = await import('pg');
    const client = new driver.Client({
      host: this.at.socketDir,
      port: this.at.port,
      user: this.at.user ?? userInfo().username,
      database: 'pgbouncer',
      connectionTimeoutMillis: Math.min(timeoutMs, 5000),
      query_timeout: timeoutMs,
      application_name: 'gardenos',
    });
    client.on('error', () => {
      /* a dropped connection surfaces through the pending query */
    });
    try {
      await client.connect();
      // The console speaks the simple query protocol only: a query without parameters uses it.
      const result = await client.query<AdminRow>(command);
      return result.rows ?? [];
    } catch (err) {
      throw new PoolerAdminError(command, (err as Error).message, err);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  show(what: 'DATABASES' | 'POOLS' | 'SERVERS' | 'CLIENTS' | 'STATE' | 'STATS'): Promise<AdminRow[]> {
    return this.run(`SHOW ${what}`);
  }
}
