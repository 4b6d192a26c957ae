// A postmaster is found from its data dir's postmaster.pid only while that pid still works in the data dir.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpec } from '../spec/index.js';
import { NodeProcessRunner } from './node-process-runner.js';
import { openPlatform } from './platform.js';
import { postmasterOf, stopOrphanedPostmasters } from './postmasters.js';
import { silentReporter } from '../runtime/reporter.js';

function platformIn(root: string) {
  const spec = loadSpec('nodes: 1\n', { source: 'test', defaultStateDir: () => root });
  return openPlatform(spec, new NodeProcessRunner());
}

describe('postmasters of a platform', () => {
  test('a stale postmaster.pid naming another program is never signalled', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gardenos-pm-'));
    try {
      const platform = platformIn(root);
      const dataDir = platform.layout.pgDataDir('pg1');
      mkdirSync(dataDir, { recursive: true });
      // This test process is alive but works elsewhere: a reused pid.
      writeFileSync(join(dataDir, 'postmaster.pid'), `${process.pid}\n${dataDir}\n`);
      assert.equal(postmasterOf(platform, new NodeProcessRunner(), 'pg1'), undefined);
      assert.deepEqual(await stopOrphanedPostmasters(platform, new NodeProcessRunner(), silentReporter), []);
      writeFileSync(join(dataDir, 'postmaster.pid'), 'garbage\n');
      assert.equal(postmasterOf(platform, new NodeProcessRunner(), 'pg1'), undefined);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('a live process working in the data dir is stopped (SIGINT first, as a fast shutdown)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gardenos-pm-'));
    const platform = platformIn(root);
    const dataDir = platform.layout.pgDataDir('pg1');
    mkdirSync(dataDir, { recursive: true });
    const child = spawn('sleep', ['600'], { cwd: dataDir, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    try {
      await new Promise((r) => child.once('spawn', r));
      writeFileSync(join(dataDir, 'postmaster.pid'), `${child.pid}\n${dataDir}\n`);
      const runner = new NodeProcessRunner();
      assert.equal(postmasterOf(platform, runner, 'pg1')?.pid, child.pid);
      const stopped = await stopOrphanedPostmasters(platform, runner, silentReporter);
      assert.deepEqual(stopped, [`PostgreSQL of pg1 (pid ${child.pid}, fast shutdown)`]);
      assert.equal(await exited, 'SIGINT');
    } finally {
      child.kill('SIGKILL');
      rmSync(root, { recursive: true, force: true });
    }
  });
});
