// The hosts secrets file: made once (0600), kept, completed, and a file that is not ours refused.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GardenError } from '../errors.js';
import { HOSTS_SECRET_KEYS, hostsSecretsFile, loadOrCreateHostsSecrets } from './secrets.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const fileIn = () => {
  const d = mkdtempSync(join(tmpdir(), 'gardenos-hosts-secrets-'));
  dirs.push(d);
  return hostsSecretsFile(d);
};

describe('loadOrCreateHostsSecrets', () => {
  test('creates every secret once in <stateDir>/hosts/secrets.json, mode 0600, and reads the same values back', () => {
    const file = fileIn();
    assert.match(file, /\/hosts\/secrets\.json$/);
    const first = loadOrCreateHostsSecrets(file);
    assert.deepEqual(first.created, [...HOSTS_SECRET_KEYS]);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    for (const v of Object.values(first.secrets)) assert.match(v, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(new Set(Object.values(first.secrets)).size, HOSTS_SECRET_KEYS.length, 'all different');
    const bytes = readFileSync(file, 'utf8');
    const second = loadOrCreateHostsSecrets(file);
    assert.deepEqual(second, { secrets: first.secrets, created: [] });
    assert.equal(readFileSync(file, 'utf8'), bytes);
  });

  test('a file from an older gardenos keeps its passwords and gains the missing ones', () => {
    const file = fileIn();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ superuserPassword: 'keepThisSuperuserPassword' }), { mode: 0o600 });
    const { secrets, created } = loadOrCreateHostsSecrets(file);
    assert.equal(secrets.superuserPassword, 'keepThisSuperuserPassword');
    assert.deepEqual(
      created,
      HOSTS_SECRET_KEYS.filter((k) => k !== 'superuserPassword'),
    );
  });

  test('a file that is not ours is refused with a code and a hint, and left as it was', () => {
    for (const content of [
      '{not json',
      '[]',
      JSON.stringify({ other: 'x' }),
      JSON.stringify({ k3sToken: 'short' }),
      JSON.stringify({ k3sToken: 'has spaces in it, see' }),
    ]) {
      const file = fileIn();
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
      assert.throws(
        () => loadOrCreateHostsSecrets(file),
        (err: unknown) => err instanceof GardenError && err.code === 'SECRETS_INVALID' && /backup/.test(err.hint),
      );
      assert.equal(readFileSync(file, 'utf8'), content);
    }
  });
});
