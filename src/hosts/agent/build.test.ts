// The agent bundle runs from a bare directory (no node_modules) and is byte-identical across builds.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT_PROGRAM, buildAgentFiles } from './build.js';

/** A loopback port in the range the tests may use. */
const EXPORTER = '127.0.0.1:25131';

/** The first value `read` gives within 10 s, asking every 100 ms; undefined if none. */
async function until<T>(read: () => Promise<T>): Promise<T | undefined> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const v = await read().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

describe('agent bundle', () => {
  test('runs `router` and `exporter` with etcd3 loaded from its own proto files, nothing from npm, and builds deterministically', async () => {
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
      // gardenos's exporter from the same bundle (prom-client inside): the data dir's disk on /metrics.
      // With --pgbackrest-config too, as on the repository host: the backup reader must load from the
      // bundle (a config that does not exist reads as a failing source, not a crash).
      const exporter = spawn(
        process.execPath,
        [
          program,
          'exporter',
          '--listen',
          EXPORTER,
          '--data-dir',
          `h1=${root}`,
          '--pgbackrest-config',
          join(root, 'missing.conf'),
          '--stanza',
          'lab',
        ],
        { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      exporter.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      try {
        const metrics = await until(() =>
          fetch(`http://${EXPORTER}/metrics`, { signal: AbortSignal.timeout(1000) }).then((r) => r.text()),
        );
        assert.match(metrics ?? '', /^gardenos_data_dir_free_bytes\{member="h1"\} \d+/m, stderr);
        assert.match(metrics ?? '', /^gardenos_exporter_source_up\{source="backup"\} 0$/m, stderr);
      } finally {
        exporter.kill('SIGTERM');
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
