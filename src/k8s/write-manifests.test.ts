// Unit tests of the manifest writer and the secrets file: modes, only-if-changed, stale files, no regeneration.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GardenError } from '../errors.js';
import { K8S_HEADER } from '../render/k8s/index.js';
import { loadOrCreateK8sSecrets } from './secrets-store.js';
import { writeManifests } from './write-manifests.js';

const mode = (p: string) => statSync(p).mode & 0o777;

describe('writeManifests', () => {
  test('writes once, then only what changed; secrets.yaml is 0600; stale generated files go, foreign ones stay', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gardenos-manifests-'));
    const h = `# ${K8S_HEADER}\n`;
    const first = writeManifests(
      dir,
      new Map([
        ['a.yaml', `${h}a: 1\n`],
        ['secrets.yaml', `${h}s: 1\n`],
        ['old.yaml', `${h}o: 1\n`],
      ]),
    );
    assert.deepEqual(first.written, ['a.yaml', 'old.yaml', 'secrets.yaml']);
    assert.equal(mode(join(dir, 'secrets.yaml')), 0o600);
    assert.equal(mode(join(dir, 'a.yaml')), 0o644);
    writeFileSync(join(dir, 'mine.yaml'), 'kind: Mine\n');
    const second = writeManifests(
      dir,
      new Map([
        ['a.yaml', `${h}a: 2\n`],
        ['secrets.yaml', `${h}s: 1\n`],
      ]),
    );
    assert.deepEqual(second, { written: ['a.yaml'], unchanged: ['secrets.yaml'], removed: ['old.yaml'] });
    assert.equal(readFileSync(join(dir, 'mine.yaml'), 'utf8'), 'kind: Mine\n');
  });
});

describe('loadOrCreateK8sSecrets', () => {
  test('generates 0600 once, adds Supabase secrets when enabled, never replaces a value', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gardenos-secrets-')), 'k8s', 'secrets.json');
    const a = await loadOrCreateK8sSecrets(file, { supabase: false });
    assert.equal(a.created, true);
    assert.equal(mode(file), 0o600);
    assert.equal(a.secrets.supabase, undefined);
    const b = await loadOrCreateK8sSecrets(file, { supabase: true });
    assert.equal(b.secrets.postgres.superuserPassword, a.secrets.postgres.superuserPassword);
    assert.ok(b.secrets.supabase && b.secrets.supabase.jwtSecret.length >= 32);
    const c = await loadOrCreateK8sSecrets(file, { supabase: true });
    assert.equal(c.created, false);
    assert.deepEqual(c.secrets, b.secrets);
  });

  test('a world-readable secrets file is refused with a hint', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gardenos-secrets-')), 'secrets.json');
    await loadOrCreateK8sSecrets(file, { supabase: false });
    chmodSync(file, 0o644);
    await assert.rejects(
      loadOrCreateK8sSecrets(file, { supabase: false }),
      (e: unknown) => e instanceof GardenError && e.code === 'SECRETS_INVALID' && /chmod 600/.test(e.hint),
    );
  });
});
