// The deploy command through main(): --dry-run prints the ordered plan without a cluster; bad input exits 2.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from '../../../test/support/main-in-process.js';
import { k8sSpecWithEtcdTls } from '../../render/k8s/fixtures.js';

const run = runMain;

describe('gardenos deploy', () => {
  test('--dry-run prints the plan in dependency order and contacts no cluster', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gardenos-deploy-'));
    writeFileSync(join(cwd, 'gardenos.yaml'), `${k8sSpecWithEtcdTls(cwd)}supabase: { enabled: true }\n`);
    const r = await run(['deploy', '--dry-run'], cwd, { KUBECONFIG: '/nonexistent' });
    assert.equal(r.code, 0, r.err);
    const titles = [...r.out.matchAll(/^\d+\. (.+)$/gm)].map((m) => m[1]);
    assert.deepEqual(titles, [
      'namespace',
      'RBAC and secrets',
      'Patroni and the router',
      'Supabase DB bootstrap (Job garden-supabase-bootstrap)',
      'Supabase services',
      'routing',
    ]);
    assert.match(r.out, /wait {2}for a Ready leader pod/);
  });

  test('an unreadable kubeconfig and a bad --timeout are user errors (exit 2)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gardenos-deploy-'));
    writeFileSync(join(cwd, 'gardenos.yaml'), k8sSpecWithEtcdTls(cwd));
    const noConfig = await run(['deploy', '--kubeconfig', join(cwd, 'missing.yaml')], cwd);
    assert.equal(noConfig.code, 2);
    assert.match(noConfig.err, /Could not read the kubeconfig[^]*fix: pass --kubeconfig FILE/);
    const badTimeout = await run(['deploy', '--timeout', 'soon'], cwd);
    assert.equal(badTimeout.code, 2);
    assert.match(badTimeout.err, /--timeout must be a positive number/);
  });
});
