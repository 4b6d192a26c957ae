// The hosts target's commands refuse what they cannot do, before anything is created or contacted.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runMain } from '../../../test/support/main-in-process.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHeh3iKpXsH+y6tMdkLyCYE+E0wv/Z4uz48LQhVRzzgE';
// Documentation addresses (RFC 5737): nothing here ever connects to them.
const HOSTS = `hosts:\n${[1, 2, 3].map((i) => `  - name: s${i}\n    address: 198.51.100.${10 + i}\n    hostKey: ${KEY}\n`).join('')}`;

function workDir(spec: string): { dir: string; flags: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'gardenos-provision-cli-'));
  writeFileSync(join(dir, 'gardenos.yaml'), spec);
  return { dir, flags: ['-f', join(dir, 'gardenos.yaml'), '--state-dir', join(dir, 'state')] };
}

describe('provision and up on the wrong kind of spec', () => {
  test('up refuses a hosts spec and creates nothing', async () => {
    const { dir, flags } = workDir(HOSTS);
    const r = await runMain(['up', ...flags], dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /error \[USAGE\]: .* describes servers \(a hosts section\)/);
    assert.match(r.err, /fix: `gardenos provision`/);
    assert.equal(existsSync(join(dir, 'state')), false);
  });

  test('provision refuses a spec without hosts', async () => {
    const { dir, flags } = workDir('name: garden\n');
    const r = await runMain(['provision', ...flags], dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /error \[NOT_CONFIGURED\]: This spec has no hosts section/);
    assert.match(r.err, /gardenos lab up/);
  });

  test('--accept-new-host-key and --only must name hosts of the spec; nothing is generated first', async () => {
    const { dir, flags } = workDir(HOSTS);
    const bad = await runMain(['provision', '--accept-new-host-key', 's9', ...flags], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /s9, which is not a host of this spec[\s\S]*s1, s2, s3/);
    const only = await runMain(['provision', '--only', 'nope', ...flags], dir);
    assert.equal(only.code, 2);
    assert.match(only.err, /--only nope: there is no host of that name[\s\S]*s1, s2, s3/);
    assert.equal(existsSync(join(dir, 'state')), false, 'no secrets or certificates were made for a refused run');
  });
});

describe('day-2 commands with a hosts spec', () => {
  test('those that work only on this machine say so and change nothing', async () => {
    const { dir, flags } = workDir(HOSTS);
    for (const cmd of [
      ['restore', '--latest', '--yes'],
      ['down', '--yes'],
      ['migrate', '--from', 'postgres://app@127.0.0.1:1/app', '--yes'],
    ]) {
      const r = await runMain([...cmd, ...flags], dir);
      assert.equal(r.code, 2, `${cmd[0]}: ${r.err}`);
      assert.match(
        r.err,
        new RegExp(`error \\[NOT_CONFIGURED\\]: \`gardenos ${cmd[0]}\` works on a platform on this machine`),
        cmd[0],
      );
    }
    const backup = await runMain(['backup', ...flags], dir);
    assert.equal(backup.code, 2);
    assert.match(backup.err, /error \[NOT_CONFIGURED\]: Backups are not enabled for garden/);
    assert.equal(existsSync(join(dir, 'state')), false);
  });

  test('those that work on hosts ask for a provisioned platform first, naming what is missing', async () => {
    const { dir, flags } = workDir(HOSTS);
    for (const cmd of [
      ['switchover', '--yes'],
      ['failover', '--to', 's2', '--yes'],
      ['dcs', 'show'],
      ['psql'],
      ['verify', '--faults', 'switchover'],
    ]) {
      const r = await runMain([...cmd, ...flags], dir);
      assert.equal(r.code, 2, `${cmd[0]}: ${r.err}`);
      assert.match(
        r.err,
        /error \[NOT_RUNNING\]: The hosts of garden were never provisioned from this machine/,
        cmd[0],
      );
      assert.match(r.err, /ca\.crt/);
    }
    assert.equal(existsSync(join(dir, 'state')), false, 'nothing was generated for a refused command');
  });
});
