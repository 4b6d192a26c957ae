// Parses the --from URL into libpq environment variables, so the password never reaches argv or output.
import { GardenError } from '../../errors.js';

export interface PgEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export function parseSourceUrl(text: string): PgEndpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new GardenError('USAGE', '--from is not a URL.', {
      hint: 'use postgresql://USER:PASSWORD@HOST:PORT/DATABASE',
      cause,
    });
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new GardenError('USAGE', `--from must be a postgresql:// URL, not ${url.protocol}//.`, {
      hint: 'use postgresql://USER:PASSWORD@HOST:PORT/DATABASE',
    });
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
  return {
    host: url.hostname || '127.0.0.1',
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username) || 'postgres',
    password: decodeURIComponent(url.password),
    database,
  };
}

export function maskedUrl(e: PgEndpoint): string {
  return `postgresql://${e.user}${e.password ? ':****' : ''}@${e.host}:${e.port}/${e.database}`;
}

export function libpqEnv(e: PgEndpoint): Record<string, string> {
  return {
    PGHOST: e.host,
    PGPORT: String(e.port),
    PGUSER: e.user,
    PGPASSWORD: e.password,
    PGDATABASE: e.database,
    PGCONNECT_TIMEOUT: '5',
  };
}
