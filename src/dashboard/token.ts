// The dashboard's access token: made once per platform (0600 in the monitoring dir), checked in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GardenError } from '../errors.js';

/** The cookie the page keeps the token in after the first `?token=` visit. */
export const TOKEN_COOKIE = 'gardenos_dashboard';

export const UNAUTHORIZED_TEXT =
  'This dashboard needs its token: run `gardenos dashboard --print-url` (with the same --state-dir or --file) on the machine of the platform and open the URL it prints.\n';

/**
 * Reads the token, or makes one (32 random bytes, base64url) when there is none. The file is created
 * exclusively, so two processes starting at once (`up` and a user's `--print-url`) agree on one token.
 */
export function readOrCreateToken(file: string): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = statSync(file);
  // Whoever owns the file knows the token (and could swap it): it must be the user the dashboard runs as.
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new GardenError(
      'STATE_DIR',
      `The dashboard's token file ${file} belongs to uid ${st.uid}, not to uid ${uid}, who serves the dashboard.`,
      {
        hint: `delete it (\`rm ${file}\`); \`gardenos up\` or \`gardenos dashboard --print-url\`, run as the user who runs the platform, makes a new one`,
      },
    );
  }
  // A token others can read is no token: narrow a file copied in with looser permissions.
  if ((st.mode & 0o077) !== 0) chmodSync(file, 0o600);
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < 16) throw new Error(`${file} holds no usable token (fewer than 16 characters)`);
  return token;
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
export function tokensMatch(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** Where a request may carry the token; any one that matches admits it. */
export interface TokenCandidates {
  query?: string | undefined;
  cookie?: string | undefined;
  authorization?: string | undefined;
}

export type Admission = { ok: false } | { ok: true; via: 'query' | 'cookie' | 'bearer' };

export function admit(c: TokenCandidates, expected: string): Admission {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(c.authorization ?? '')?.[1];
  // Every present candidate is compared, so the time taken does not tell which one was right.
  const results = [
    { via: 'bearer' as const, ok: bearer !== undefined && tokensMatch(bearer, expected) },
    { via: 'query' as const, ok: c.query !== undefined && tokensMatch(c.query, expected) },
    { via: 'cookie' as const, ok: c.cookie !== undefined && tokensMatch(c.cookie, expected) },
  ];
  const hit = results.find((r) => r.ok);
  return hit ? { ok: true, via: hit.via } : { ok: false };
}
