// Supabase API keys: HS256 JWTs (role, iss "supabase", iat, exp) signed with the raw JWT secret.
import { jwtVerify, SignJWT } from 'jose';
import { GardenError } from '../errors.js';

export type ApiRole = 'anon' | 'service_role';

/** PostgREST refuses JWT secrets shorter than this. */
export const MIN_JWT_SECRET_LENGTH = 32;
/** Upstream's generator issues API keys for five years. */
export const API_KEY_LIFETIME_SECONDS = 5 * 365 * 24 * 3600;

function keyOf(secret: string): Uint8Array {
  if (secret.length < MIN_JWT_SECRET_LENGTH) {
    throw new GardenError(
      'SECRETS_INVALID',
      `The Supabase JWT secret has ${secret.length} characters; PostgREST and GoTrue need at least ${MIN_JWT_SECRET_LENGTH}.`,
      {
        hint: 'delete the secrets file so gardenos generates a new 64-character secret (this invalidates issued tokens)',
      },
    );
  }
  return new TextEncoder().encode(secret);
}

export async function signApiKey(secret: string, role: ApiRole, issuedAtSeconds: number): Promise<string> {
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('supabase')
    .setIssuedAt(issuedAtSeconds)
    .setExpirationTime(issuedAtSeconds + API_KEY_LIFETIME_SECONDS)
    .sign(keyOf(secret));
}

/** Verifies signature, algorithm, issuer and expiry; returns the role claim. */
export async function verifyApiKey(
  secret: string,
  token: string,
  nowSeconds?: number,
): Promise<{ role: string; iat: number; exp: number }> {
  const { payload } = await jwtVerify(token, keyOf(secret), {
    algorithms: ['HS256'],
    issuer: 'supabase',
    ...(nowSeconds !== undefined ? { currentDate: new Date(nowSeconds * 1000) } : {}),
  });
  if (typeof payload.role !== 'string' || typeof payload.iat !== 'number' || typeof payload.exp !== 'number') {
    throw new Error('API key lacks role, iat or exp');
  }
  return { role: payload.role, iat: payload.iat, exp: payload.exp };
}
