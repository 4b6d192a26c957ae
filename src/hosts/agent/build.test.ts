// The agent bundle runs from a bare directory (no node_modules) and is byte-identical across builds.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT_PROGRAM, buildAgentFiles } from './build.js';

describe('agent bundle', () => {
  test('runs `router` with etcd3 loaded from its own proto files, nothing from npm, and builds deterministically', async () => {
    const files = await buildAgentFiles();
    const again = await buildAgentFiles();
    assert.deepEqual(
      again.map((f) => f.content),
      files.map((f) => f.content),
    );
    const root = mkdtempSync(join(tmpdir(), 'gardenos-agent-'));
    try {
      for (const f of files) {
        mkdirSync(dirname(join(root, f.path)), { recursive: true });
        writeFileSync(join(root, f.path), f.content, { mode: f.mode });
      }
      const program = join(root, AGENT_PROGRAM);
      assert.match(
        execFileSync(process.execPath, [program, 'router', '--help'], { cwd: root, encoding: 'utf8' }),
        /gardenos router --etcd URLS/,
      );
      // A usage error is a clean paragraph, which also proves the etcd client and its protos loaded.
      const bad = (() => {
        try {
          execFileSync(process.execPath, [program, 'router', '--etcd', 'https://127.0.0.1:1', '--bogus'], {
            cwd: root,
            encoding: 'utf8',
            stdio: 'pipe',
          });
          return undefined;
        } catch (err) {
          return err as { status: number; stderr: string };
        }
      })();
      assert.equal(bad?.status, 2, bad?.stderr);
      assert.match(bad!.stderr, /error \[USAGE\]: Unknown option '--bogus'/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
