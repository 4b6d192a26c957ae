// Parses the --from URL into libpq environment variables, so the password never reaches argv or output.
import { GardenError } from '../../errors.js';

export interface PgEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** The CA to check the server's certificate by (verify-full): the platform's own, for the target. */
  tls?: { ca: Buffer; caFile: string };
}

/**
 * The source's address from --from, which must not carry a password: a command line is visible to
 * every local user (ps, /proc/PID/cmdline) while the command runs. The password comes separately.
 */
export function parseSourceUrl(text: string, password = ''): PgEndpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new GardenError('USAGE', '--from is not a URL.', {
      hint: 'use postgresql://USER@HOST:PORT/DATABASE',
      cause,
    });
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new GardenError('USAGE', `--from must be a postgresql:// URL, not ${url.protocol}//.`, {
      hint: 'use postgresql://USER@HOST:PORT/DATABASE',
    });
  }
  if (url.password !== '') {
    throw new GardenError(
      'USAGE',
      '--from carries a password, and a command line is visible to every local user (ps, /proc/PID/cmdline) while gardenos runs.',
      {
        hint: `drop it from the URL (postgresql://${decodeURIComponent(url.username) || 'USER'}@${url.host || 'HOST'}${url.pathname}) and give it in the environment (PGPASSWORD=... gardenos migrate ...), in a 0600 file (--password-file FILE), or type it at the prompt`,
      },
    );
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
  return {
    host: url.hostname || '127.0.0.1',
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username) || 'postgres',
    password,
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
    ...(e.tls ? { PGSSLMODE: 'verify-full', PGSSLROOTCERT: e.tls.caFile } : {}),
  };
}
