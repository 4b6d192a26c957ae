import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareInventories, nonEmptyTargets } from './inventory.js';
import { libpqEnv, maskedUrl, parseSourceUrl } from './source-url.js';

test('the source URL becomes libpq environment; the masked form hides the password', () => {
  const e = parseSourceUrl('postgresql://app@10.0.0.5:6432/shop', 'p@ss');
  assert.deepEqual(e, { host: '10.0.0.5', port: 6432, user: 'app', password: 'p@ss', database: 'shop' });
  assert.equal(maskedUrl(e), 'postgresql://app:****@10.0.0.5:6432/shop');
  assert.equal(libpqEnv(e).PGPASSWORD, 'p@ss');
  assert.deepEqual(parseSourceUrl('postgres://h'), {
    host: 'h',
    port: 5432,
    user: 'postgres',
    password: '',
    database: 'postgres',
  });
  assert.throws(
    () => parseSourceUrl('mysql://h/db'),
    (e: { code: string; exitCode: number }) => e.code === 'USAGE' && e.exitCode === 2,
  );
  assert.throws(() => parseSourceUrl('not a url'), /not a URL/);
  assert.throws(
    () => parseSourceUrl('postgresql://app:secret@10.0.0.5/shop'),
    (e: { code: string; message: string; hint: string }) =>
      e.code === 'USAGE' && /visible to every local user/.test(e.message) && /PGPASSWORD/.test(e.hint),
    'a password in the URL is refused: it would be on the command line',
  );
});

test('compare: equal counts and sequences pass; a missing table, a count or a sequence difference fail', () => {
  const source = {
    tables: [
      { name: 'public.a', rows: 3 },
      { name: 'public.b', rows: 0 },
    ],
    sequences: [{ name: 'public.a_id_seq', lastValue: '3' }],
  };
  assert.ok(compareInventories(source, source).ok);
  const c = compareInventories(source, {
    tables: [{ name: 'public.a', rows: 2 }],
    sequences: [{ name: 'public.a_id_seq', lastValue: null }],
  });
  assert.equal(c.ok, false);
  assert.deepEqual(
    c.tables.map((t) => [t.name, t.target, t.ok]),
    [
      ['public.a', 2, false],
      ['public.b', null, false],
    ],
  );
  assert.equal(c.sequences[0]!.ok, false);
});

test('only target tables that the dump would write into and that hold rows block a migration', () => {
  const source = {
    tables: [
      { name: 'public.a', rows: 3 },
      { name: 'public.b', rows: 0 },
    ],
    sequences: [],
  };
  const target = {
    tables: [
      { name: 'public.a', rows: 0 },
      { name: 'public.b', rows: 5 },
      { name: 'public.other', rows: 9 },
    ],
    sequences: [],
  };
  assert.deepEqual(nonEmptyTargets(source, target), [{ name: 'public.b', rows: 5 }]);
});
