// PostgreSQL sessions for verify: the writer through the primary endpoint and the per-node prober.
import pg from 'pg';
import { pgAddress, type PgAddress, type PlatformSecrets } from '../../render/index.js';
import type { Spec } from '../../spec/index.js';
import type { Ack, EndpointSample, NodeSample } from './evaluate.js';
import type { RoundProber, RoundWriter } from './env.js';

const WRITABLE_SQL = `SELECT pg_is_in_recovery() AS recovery,
  current_setting('synchronous_standby_names') = '' OR EXISTS (SELECT 1 FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')) AS commits`;

export const VERIFY_TABLE = 'gardenos_verify.writes';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where verify's sessions go and how they are made, on either target. */
export interface VerifyPg {
  readonly spec: Spec;
  /** HAProxy's primary port: on the bind address locally, on the first haproxy host across hosts. */
  readonly primary: PgAddress;
  /** A session with short timeouts (a session on a frozen or dead node must fail fast, not hold the round). */
  client(at: PgAddress, timeoutMs?: number): pg.Client;
  /** The node whose server answered, from inet_server_addr() and inet_server_port(). */
  nodeServing(address: string | null, port: number | null): string | null;
}

/** A VerifyPg from the spec, the superuser's password and, across hosts, the CA the servers are checked against. */
export function verifyPg(spec: Spec, secrets: PlatformSecrets, primary: PgAddress, ca?: Buffer): VerifyPg {
  const nodes = spec.nodes.map((n) => ({ name: n.name, ...pgAddress(spec, n.name) }));
  return {
    spec,
    primary,
    client(at, timeoutMs = 1000) {
      const client = new pg.Client({
        host: at.host,
        port: at.port,
        user: spec.postgres.superuser,
        password: secrets.superuserPassword,
        database: 'postgres',
        connectionTimeoutMillis: timeoutMs,
        query_timeout: timeoutMs * 2,
        application_name: 'gardenos-verify',
        ...(ca ? { ssl: { ca } } : {}),
      });
      client.on('error', () => {
        /* a dropped connection surfaces through the pending query */
      });
      return client;
    },
    nodeServing(address, port) {
      // Locally every node is on the bind address with its own port; across hosts each on its address, same port.
      const exact = nodes.find((n) => n.host === address && n.port === port);
      if (exact) return exact.name;
      const byPort = nodes.filter((n) => n.port === port);
      return byPort.length === 1 ? byPort[0]!.name : null;
    },
  };
}

/** Which server answered a session, and whether it is in recovery. */
export const SERVED_BY_SQL =
  'SELECT host(inet_server_addr()) AS address, inet_server_port() AS port, pg_is_in_recovery() AS recovery';

export interface ServedBy {
  address: string | null;
  port: number | null;
  recovery: boolean;
}

export class PgWriter implements RoundWriter {
  private readonly acks: Ack[] = [];
  private nextId = 1;
  private stopped = false;
  private client: pg.Client | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly pg: VerifyPg,
    private readonly run: string,
    private readonly intervalMs = 10,
  ) {}

  start(): void {
    this.loop = this.writeLoop();
  }

  ackedSince(t: number): number {
    let n = 0;
    for (let i = this.acks.length - 1; i >= 0 && this.acks[i]!.at > t; i--) n++;
    return n;
  }

  async stop(): Promise<Ack[]> {
    this.stopped = true;
    await this.loop;
    await this.client?.end().catch(() => undefined);
    return this.acks;
  }

  private async writeLoop(): Promise<void> {
    while (!this.stopped) {
      const started = performance.now();
      const id = this.nextId++;
      try {
        if (!this.client) {
          const c = this.pg.client(this.pg.primary);
          this.client = c;
          await c.connect();
        }
        // RETURNING the serving server: a write a resumed old leader took can be told apart.
        const r = await this.client.query<{ address: string | null; port: number | null }>(
          `INSERT INTO ${VERIFY_TABLE} (run, id) VALUES ($1, $2) RETURNING host(inet_server_addr()) AS address, inet_server_port() AS port`,
          [this.run, id],
        );
        const row = r.rows[0];
        this.acks.push({ id, at: performance.now(), node: row ? this.pg.nodeServing(row.address, row.port) : null });
      } catch {
        const broken = this.client;
        this.client = undefined;
        await broken?.end().catch(() => undefined);
      }
      const wait = this.intervalMs - (performance.now() - started);
      if (wait > 0) await sleep(wait);
    }
  }
}

export class PgProber implements RoundProber {
  private readonly nodeSamples: NodeSample[] = [];
  private readonly endpointSamples: EndpointSample[] = [];
  private stopped = false;
  private loops: Promise<void>[] = [];

  private readonly spec: Spec;

  constructor(
    private readonly pg: VerifyPg,
    private readonly intervalMs = 50,
  ) {
    this.spec = pg.spec;
  }

  start(): void {
    // One loop per node: a node that hangs (frozen) must not delay the samples of the others.
    this.loops = [
      ...this.spec.nodes.map((n) => this.nodeLoop(n.name, pgAddress(this.spec, n.name))),
      this.endpointLoop(),
    ];
  }

  sawEveryNode(): boolean {
    return this.spec.nodes.every((n) => this.nodeSamples.some((s) => s.node === n.name && s.writable !== null));
  }

  async stop(): Promise<{ nodeSamples: NodeSample[]; endpointSamples: EndpointSample[] }> {
    this.stopped = true;
    await Promise.all(this.loops);
    return { nodeSamples: this.nodeSamples, endpointSamples: this.endpointSamples };
  }

  private async nodeLoop(node: string, at: PgAddress): Promise<void> {
    let client: pg.Client | undefined;
    while (!this.stopped) {
      const started = performance.now();
      try {
        if (!client) {
          client = this.pg.client(at, 500);
          await client.connect();
        }
        // "Writable" means a commit there would be acknowledged: out of recovery, and, when the node asks for a
        // synchronous standby, one is attached. A resumed old leader is out of recovery for a moment before
        // Patroni demotes it, but with no standby left its commits wait and nobody is told they happened.
        const r = await client.query<{ recovery: boolean; commits: boolean }>(WRITABLE_SQL);
        // Stamped when the answer came: that is when the node was in that state.
        this.nodeSamples.push({
          node,
          at: performance.now(),
          writable: r.rows[0]?.recovery === false && r.rows[0]?.commits === true,
        });
      } catch {
        this.nodeSamples.push({ node, at: performance.now(), writable: null });
        await client?.end().catch(() => undefined);
        client = undefined;
      }
      const wait = this.intervalMs - (performance.now() - started);
      if (wait > 0) await sleep(wait);
    }
    await client?.end().catch(() => undefined);
  }

  /** A new session each time: where the endpoint sends a new client is what matters, not an old session. */
  private async endpointLoop(): Promise<void> {
    while (!this.stopped) {
      const started = performance.now();
      const client = this.pg.client(this.pg.primary, 500);
      try {
        await client.connect();
        const r = await client.query<ServedBy>(SERVED_BY_SQL);
        const row = r.rows[0];
        this.endpointSamples.push({
          at: performance.now(),
          node: row ? this.pg.nodeServing(row.address, row.port) : null,
          recovery: row?.recovery ?? null,
        });
      } catch {
        this.endpointSamples.push({ at: performance.now(), node: null, recovery: null });
      } finally {
        await client.end().catch(() => undefined);
      }
      const wait = this.intervalMs - (performance.now() - started);
      if (wait > 0) await sleep(wait);
    }
  }
}
