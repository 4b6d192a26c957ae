import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { admit, readOrCreateToken, tokensMatch } from './token.js';

describe('dashboard token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dash-token-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('made once, 0600 in a 0700 dir, and read back the same', () => {
    const file = join(dir, 'monitoring', 'dashboard-token');
    const t = readOrCreateToken(file);
    assert.match(t, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'monitoring')).mode & 0o777, 0o700);
    assert.equal(readOrCreateToken(file), t);
    assert.equal(readFileSync(file, 'utf8').trim(), t);
  });

  test('a token file readable by others is narrowed to 0600', () => {
    const file = join(dir, 'loose');
    writeFileSync(file, 'x'.repeat(40));
    chmodSync(file, 0o644);
    assert.equal(readOrCreateToken(file), 'x'.repeat(40));
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  test('an empty token file is refused rather than admitting everyone', () => {
    const file = join(dir, 'empty');
    writeFileSync(file, '\n', { mode: 0o600 });
    assert.throws(() => readOrCreateToken(file), /no usable token/);
  });

  test(
    'a token file of another user is refused: its owner knows the token',
    { skip: process.getuid?.() !== 0 && 'needs root to give a file away' },
    () => {
      const file = join(dir, 'foreign');
      writeFileSync(file, 'y'.repeat(40), { mode: 0o600 });
      chownSync(file, 65534, 65534);
      assert.throws(
        () => readOrCreateToken(file),
        (err: Error & { code?: string }) => err.code === 'STATE_DIR',
      );
    },
  );

  test('tokensMatch: equal only, whatever the lengths', () => {
    assert.equal(tokensMatch('abc', 'abc'), true);
    assert.equal(tokensMatch('abd', 'abc'), false);
    assert.equal(tokensMatch('ab', 'abc'), false);
    assert.equal(tokensMatch('', 'abc'), false);
  });

  test('admit: bearer, query or cookie; a wrong or missing one is refused', () => {
    const t = 'secret-token-value';
    assert.deepEqual(admit({ authorization: `Bearer ${t}` }, t), { ok: true, via: 'bearer' });
    assert.deepEqual(admit({ query: t }, t), { ok: true, via: 'query' });
    assert.deepEqual(admit({ cookie: t }, t), { ok: true, via: 'cookie' });
    assert.deepEqual(admit({ query: 'old', cookie: t }, t), { ok: true, via: 'cookie' });
    assert.deepEqual(admit({}, t), { ok: false });
    assert.deepEqual(admit({ authorization: `Basic ${t}` }, t), { ok: false });
    assert.deepEqual(admit({ query: 'wrong', cookie: 'wrong' }, t), { ok: false });
  });
});
