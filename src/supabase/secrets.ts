// The Supabase secrets: generated once (JWT secret, API keys, login role passwords), then stored by the caller.
import { randomBytes } from 'node:crypto';
import { signApiKey, verifyApiKey, MIN_JWT_SECRET_LENGTH } from './api-keys.js';
import { GardenError } from '../errors.js';
import { LOGIN_ROLES, type BootstrapPasswords } from './bootstrap-sql.js';

export interface SupabaseSecrets {
  jwtSecret: string;
  anonKey: string;
  serviceRoleKey: string;
  passwords: BootstrapPasswords;
}

const token = (bytes: number) => randomBytes(bytes).toString('base64url');

export async function generateSupabaseSecrets(nowSeconds = Math.floor(Date.now() / 1000)): Promise<SupabaseSecrets> {
  const jwtSecret = token(48); // 64 characters
  return {
    jwtSecret,
    anonKey: await signApiKey(jwtSecret, 'anon', nowSeconds),
    serviceRoleKey: await signApiKey(jwtSecret, 'service_role', nowSeconds),
    passwords: Object.fromEntries(LOGIN_ROLES.map((r) => [r, token(24)])) as BootstrapPasswords,
  };
}

/** A stored secrets object must be whole and its keys must verify against its JWT secret. */
export async function assertSupabaseSecrets(value: unknown, source: string): Promise<SupabaseSecrets> {
  const s = value as Partial<SupabaseSecrets> | undefined;
  const bad = (why: string, cause?: unknown) =>
    new GardenError('SECRETS_INVALID', `${source}: ${why}.`, {
      hint: `restore ${source} from a backup, or delete its supabase section to generate new keys (issued tokens stop working)`,
      cause,
    });
  if (
    !s ||
    typeof s.jwtSecret !== 'string' ||
    typeof s.anonKey !== 'string' ||
    typeof s.serviceRoleKey !== 'string' ||
    !s.passwords
  ) {
    throw bad('the Supabase secrets are incomplete');
  }
  if (s.jwtSecret.length < MIN_JWT_SECRET_LENGTH)
    throw bad(`the JWT secret is shorter than ${MIN_JWT_SECRET_LENGTH} characters`);
  for (const role of LOGIN_ROLES) if (typeof s.passwords[role] !== 'string') throw bad(`no password for ${role}`);
  for (const [key, role] of [
    [s.anonKey, 'anon'],
    [s.serviceRoleKey, 'service_role'],
  ] as const) {
    const claims = await verifyApiKey(s.jwtSecret, key).catch((cause: unknown) => {
      throw bad(`the ${role} key does not verify`, cause);
    });
    if (claims.role !== role) throw bad(`the ${role} key carries role ${claims.role}`);
  }
  return s as SupabaseSecrets;
}
