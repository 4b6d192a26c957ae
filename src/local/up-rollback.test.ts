import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { GardenError } from '../errors.js';
import { layoutOf } from './layout.js';
import type { LocalPlatform } from './platform.js';
import { assertUsableStateDir, createStateDir, firstMissingDir } from './state-dir.js';
import { rollBack } from './up-rollback.js';
import { loadSpec } from '../spec/index.js';

const resolveDefaultSpec = () =>
  loadSpec('name: rb\n', { source: 'test', defaultStateDir: (n) => `/tmp/gardenos-${n}` });
const work = mkdtempSync(join(tmpdir(), 'gardenos-rollback-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** What rollBack reads of a platform: its layout and the spec's name. */
function platformAt(root: string): LocalPlatform {
  return { layout: layoutOf(root), spec: resolveDefaultSpec() } as unknown as LocalPlatform;
}

describe('the state dir path, before anything is written', () => {
  test('a file given as the state dir is refused and left alone', () => {
    const file = join(work, 'notes.txt');
    writeFileSync(file, 'keep me');
    assert.throws(
      () => assertUsableStateDir(layoutOf(file)),
      (e: unknown) =>
        e instanceof GardenError && e.code === 'STATE_DIR' && /is a file, not a directory/.test(e.message),
    );
    assert.throws(
      () => assertUsableStateDir(layoutOf(join(file, 'garden'))),
      (e: unknown) => e instanceof GardenError && e.code === 'STATE_DIR' && /notes\.txt is a file/.test(e.message),
    );
  });

  test('firstMissingDir names the top of what a run creates, nothing when the dir exists', () => {
    assert.equal(firstMissingDir(join(work, 'a', 'b', 'c')), join(work, 'a'));
    assert.equal(firstMissingDir(work), undefined);
  });
});

describe('rollBack of a new platform deletes only what the run created', () => {
  const err = new GardenError('START_FAILED', 'etcd did not start.', { hint: 'read its log' });

  test('dirs the run made are removed, up to the first one that existed before', async () => {
    const root = join(work, 'new', 'state');
    const createdDir = firstMissingDir(root);
    createStateDir(layoutOf(root), resolveDefaultSpec());
    const e = (await rollBack(platformAt(root), [], { createdDir }, err)) as GardenError;
    assert.equal(existsSync(join(work, 'new')), false);
    assert.match(e.leftBehind ?? '', /the new state dir was removed/);
  });

  test('an empty dir the user gave keeps existing; only what the run wrote into it goes', async () => {
    const root = join(work, 'given');
    mkdirSync(root);
    createStateDir(layoutOf(root), resolveDefaultSpec());
    assert.ok(readdirSync(root).length > 0);
    const e = (await rollBack(platformAt(root), [], { createdDir: undefined }, err)) as GardenError;
    assert.deepEqual(readdirSync(root), []);
    assert.match(e.leftBehind ?? '', /the directory itself kept/);
  });

  test('an existing platform (not new) loses nothing', async () => {
    const root = join(work, 'old');
    createStateDir(layoutOf(root), resolveDefaultSpec());
    const before = readdirSync(root).sort();
    await rollBack(platformAt(root), [], undefined, err);
    assert.deepEqual(readdirSync(root).sort(), before);
  });
});
