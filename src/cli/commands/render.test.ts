// The render command through main(): files, modes, determinism on disk, no secret on the screen, exit codes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from '../../../test/support/main-in-process.js';

const run = runMain;

describe('gardenos render --target k8s', () => {
  test('writes the manifests and a 0600 secrets file, the same bytes twice, and never prints a secret', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gardenos-render-'));
    writeFileSync(join(cwd, 'gardenos.yaml'), 'k8s:\n  etcdEndpoints: [etcd1.internal:2379]\nsupabase: { enabled: true }\n');
    const first = await run(['render', '--target', 'k8s', '--out', 'm'], cwd);
    assert.equal(first.code, 0, first.err);
    const dir = join(cwd, 'm');
    const snapshot = () => Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
    const before = snapshot();
    assert.ok('kustomization.yaml' in before && 'postgres.yaml' in before && 'supabase-auth.yaml' in before);
    assert.equal(statSync(join(dir, '.secrets.json')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'secrets.yaml')).mode & 0o777, 0o600);
    const secrets = JSON.parse(before['.secrets.json']!) as { postgres: Record<string, string>; supabase: { jwtSecret: string } };
    for (const v of [...Object.values(secrets.postgres), secrets.supabase.jwtSecret]) {
      assert.ok(!first.out.includes(v) && !first.err.includes(v), 'a secret was printed');
    }
    const second = await run(['render', '--target', 'k8s', '--out', 'm'], cwd);
    assert.equal(second.code, 0);
    assert.match(second.out, /0 written, 11 unchanged/);
    assert.deepEqual(snapshot(), before);
  });

  test('a missing target or etcd endpoints exits 2 with a hint', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gardenos-render-'));
    const noTarget = await run(['render'], cwd);
    assert.equal(noTarget.code, 2);
    assert.match(noTarget.err, /USAGE.*\n\s+fix: use `gardenos render --target k8s/);
    const noEtcd = await run(['render', '--target', 'k8s'], cwd);
    assert.equal(noEtcd.code, 2);
    assert.match(noEtcd.err, /RENDER_INPUT.*etcdEndpoints is empty/);
    assert.deepEqual(readdirSync(cwd), [], 'a refused render leaves no secrets file behind');
  });
});
