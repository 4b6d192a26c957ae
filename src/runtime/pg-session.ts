// A superuser session on one PostgreSQL server or endpoint, on either target (TLS with the platform's CA across hosts).
import type pg from 'pg';
import type { PgAddress, PlatformSecrets } from '../render/index.js';
import type { Spec } from '../spec/index.js';

/**
 * pg is imported on first use: long-running processes that never query (the router) do not load it.
 * A bare port is a service on this machine's bind address (the HAProxy ports); a node's own server comes as its pgAddress.
 */
export async function pgClient(
  spec: Spec,
  secrets: PlatformSecrets,
  at: number | PgAddress,
  timeoutMs = 2000,
  ssl: PgSsl & { database?: string } = {},
): Promise<pg.Client> {
  const { default: driver } = await import('pg');
  const { host, port } = typeof at === 'number' ? { host: spec.local.bindAddress, port: at } : at;
  return new driver.Client({
    host,
    port,
    user: spec.postgres.superuser,
    password: secrets.superuserPassword,
    database: ssl.database ?? 'postgres',
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    application_name: 'gardenos',
    // With our CA the server's certificate must be signed by it and name the address (pg checks the IP SAN).
    ...(ssl.ca ? { ssl: { ca: ssl.ca } } : {}),
  });
}

/** TLS for a session: the CA to verify the server by (the hosts target); none on one machine. */
export interface PgSsl {
  ca?: Buffer;
}

export async function withPg<T>(
  spec: Spec,
  secrets: PlatformSecrets,
  at: number | PgAddress,
  fn: (c: pg.Client) => Promise<T>,
  ssl: PgSsl & { database?: string } = {},
): Promise<T> {
  const client = await pgClient(spec, secrets, at, 2000, ssl);
  client.on('error', () => {
    /* a dropped connection surfaces through the pending query */
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Whether a server lets the superuser in over plaintext TCP: true if the session opens, false if
 * pg_hba refuses it (28000: with `hostssl` lines only, every plaintext connection), undefined when
 * there is no answer or another error.
 */
export async function acceptsPlaintext(
  spec: Spec,
  secrets: PlatformSecrets,
  at: PgAddress,
): Promise<boolean | undefined> {
  try {
    return await withPg(spec, secrets, at, async () => true);
  } catch (err) {
    return (err as { code?: string }).code === '28000' ? false : undefined;
  }
}
