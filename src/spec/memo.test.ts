import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadSpec, SpecError, type LoadOptions } from './load.js';
import { directoryMemo, loadSpecMemoized, memoKey } from './memo.js';

const dir = mkdtempSync(join(tmpdir(), 'gardenos-spec-memo-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const options: LoadOptions = { source: 'gardenos.yaml', fromFile: true, defaultStateDir: (n) => `/srv/${n}` };

describe('spec memo', () => {
  test('a second load of the same inputs comes from the memo, frozen and equal to a fresh load', async () => {
    const memo = directoryMemo(join(dir, 'hit'));
    const text = 'name: orchard\nnodes: 2\netcd: { members: 1 }\n';
    const first = await loadSpecMemoized(text, options, memo);
    assert.deepEqual(first, loadSpec(text, options));
    const file = join(dir, 'hit', `${memoKey(text, options)}.json`);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'hit')).mode & 0o777, 0o700);
    // Proof that the second load reads the memo: a planted value under the same key comes back.
    writeFileSync(file, JSON.stringify({ ...first, name: 'planted' }));
    const second = await loadSpecMemoized(text, options, memo);
    assert.equal(second.name, 'planted');
    assert.ok(Object.isFrozen(second) && Object.isFrozen(second.postgres), 'a spec from the memo is frozen too');
  });

  test('every input is in the key: text, source, fromFile, each override and the default state dir', () => {
    const text = 'nodes: 2\n';
    const keys = new Set([
      memoKey(text, options),
      memoKey('nodes: 3\n', options),
      memoKey(text, { ...options, source: 'other.yaml' }),
      memoKey(text, { ...options, fromFile: false }),
      memoKey(text, { ...options, overrides: { stateDir: '/x' } }),
      memoKey(text, { ...options, overrides: { basePort: 21000 } }),
      memoKey(text, { ...options, defaultStateDir: (n) => `/var/lib/gardenos/${n}` }),
    ]);
    assert.equal(keys.size, 7);
    assert.equal(memoKey(text, { ...options }), memoKey(text, options), 'the same inputs give the same key');
  });

  test('a spec with problems is refused every time and never kept', async () => {
    const memo = directoryMemo(join(dir, 'bad'));
    for (let i = 0; i < 2; i++) {
      await assert.rejects(loadSpecMemoized('nodes: many\n', options, memo), SpecError);
    }
    assert.throws(() => readdirSync(join(dir, 'bad')), /ENOENT/);
  });

  test('an unreadable or corrupt entry is a miss, and a full memo starts over', async () => {
    const memo = directoryMemo(join(dir, 'full'), 3);
    const text = 'nodes: 1\n';
    await loadSpecMemoized(text, options, memo);
    writeFileSync(join(dir, 'full', `${memoKey(text, options)}.json`), '{not json');
    assert.equal((await loadSpecMemoized(text, options, memo)).nodes.length, 1);
    for (const n of [2, 3, 4]) await loadSpecMemoized(`nodes: ${n}\n`, options, memo);
    assert.ok(readdirSync(join(dir, 'full')).length <= 3, 'bounded');
  });

  test('without a memo (the sources run directly, as here) it is loadSpec', async () => {
    assert.deepEqual(await loadSpecMemoized('nodes: 2\n', options), loadSpec('nodes: 2\n', options));
  });
});
