// Unit tests of the Supabase API keys and secrets: real HS256 JWTs checked with jose.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtectedHeader, decodeJwt, jwtVerify } from 'jose';
import { GardenError } from '../errors.js';
import { API_KEY_LIFETIME_SECONDS, signApiKey, verifyApiKey } from './api-keys.js';
import { assertSupabaseSecrets, generateSupabaseSecrets } from './secrets.js';
import { LOGIN_ROLES, psqlBootstrapScript } from './bootstrap-sql.js';

const SECRET = 'a-test-jwt-secret-that-is-long-enough-0123456789';

describe('Supabase API keys', () => {
  test('are HS256 JWTs with role, iss supabase, iat and a five-year exp', async () => {
    const key = await signApiKey(SECRET, 'anon', 1_700_000_000);
    assert.deepEqual(decodeProtectedHeader(key), { alg: 'HS256', typ: 'JWT' });
    assert.deepEqual(decodeJwt(key), {
      role: 'anon',
      iss: 'supabase',
      iat: 1_700_000_000,
      exp: 1_700_000_000 + API_KEY_LIFETIME_SECONDS,
    });
    const { payload } = await jwtVerify(key, new TextEncoder().encode(SECRET), {
      algorithms: ['HS256'],
      currentDate: new Date(1_700_000_100_000),
    });
    assert.equal(payload.role, 'anon');
  });

  test('verify rejects another secret, and an expired key', async () => {
    const key = await signApiKey(SECRET, 'service_role', 1_700_000_000);
    assert.equal((await verifyApiKey(SECRET, key, 1_700_000_001)).role, 'service_role');
    await assert.rejects(verifyApiKey(SECRET.replace('a-', 'b-'), key, 1_700_000_001), /signature/);
    await assert.rejects(verifyApiKey(SECRET, key, 1_700_000_000 + API_KEY_LIFETIME_SECONDS + 10), /exp/);
  });

  test('a secret shorter than 32 characters is refused with a hint', async () => {
    await assert.rejects(
      signApiKey('short', 'anon', 1),
      (err: unknown) =>
        err instanceof GardenError &&
        err.code === 'SECRETS_INVALID' &&
        /at least 32/.test(err.message) &&
        err.hint.length > 0,
    );
  });

  test('generated secrets verify, and a tampered key is caught', async () => {
    const s = await generateSupabaseSecrets();
    assert.equal(s.jwtSecret.length, 64);
    assert.deepEqual(Object.keys(s.passwords).sort(), [...LOGIN_ROLES].sort());
    assert.equal(await assertSupabaseSecrets(s, 'secrets.json'), s);
    await assert.rejects(
      assertSupabaseSecrets({ ...s, anonKey: s.serviceRoleKey }, 'secrets.json'),
      /carries role service_role/,
    );
    const other = await generateSupabaseSecrets();
    await assert.rejects(assertSupabaseSecrets({ ...s, anonKey: other.anonKey }, 'secrets.json'), /does not verify/);
    await assert.rejects(assertSupabaseSecrets({ jwtSecret: 'x' }, 'secrets.json'), /incomplete/);
  });

  test('the psql bootstrap script carries no password, only psql variables', () => {
    const script = psqlBootstrapScript();
    assert.match(script, /^\\set ON_ERROR_STOP on/);
    for (const role of LOGIN_ROLES) assert.ok(script.includes(`:'${role}_password'`));
    assert.doesNotMatch(script, /PASSWORD '/);
  });
});
