// Example GardenOS service: a small notes API on PostgreSQL. Writes go to DATABASE_URL (the primary),
// reads to DATABASE_READ_URL (the replicas). Database calls retry for a while, so a switchover or
// failover shows up as a slower answer, not an error.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const writeUrl = process.env.DATABASE_URL;
if (!writeUrl) throw new Error('DATABASE_URL is not set (services[].needs must include primary)');

const pool = (connectionString: string) => {
  const p = new pg.Pool({
    connectionString,
    max: 4,
    connectionTimeoutMillis: 2000,
    query_timeout: 5000,
    application_name: 'notes-api',
  });
  // HAProxy cuts sessions to a demoted primary; an idle client's error must not crash the process.
  p.on('error', () => undefined);
  return p;
};
const writer = pool(writeUrl);
const reader = pool(process.env.DATABASE_READ_URL ?? writeUrl);

const RETRY_FOR_MS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + RETRY_FOR_MS;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
}

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/health') return send(res, 200, { ok: true, pid: process.pid });
  if (req.method === 'POST' && path === '/notes') {
    const { body } = JSON.parse((await readBody(req)) || '{}') as { body?: string };
    if (typeof body !== 'string' || body.length === 0)
      return send(res, 400, { error: 'body must be a non-empty string' });
    const r = await retrying(() =>
      writer.query<{ id: string }>('INSERT INTO notes (body) VALUES ($1) RETURNING id', [body]),
    );
    return send(res, 201, { id: Number(r.rows[0]!.id) });
  }
  if (req.method === 'GET' && path === '/notes') {
    const r = await retrying(() =>
      reader.query<{ n: string; last: string | null }>('SELECT count(*) AS n, max(body) AS last FROM notes'),
    );
    return send(res, 200, { count: Number(r.rows[0]!.n), last: r.rows[0]!.last });
  }
  return send(res, 404, { error: 'not found' });
}

await retrying(() =>
  writer.query(
    'CREATE TABLE IF NOT EXISTS notes (id bigserial PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())',
  ),
);
createServer((req, res) => {
  handle(req, res).catch((err: Error) => send(res, 503, { error: err.message }));
}).listen(port, host, () => console.log(`notes-api listening on ${host}:${port}`));
