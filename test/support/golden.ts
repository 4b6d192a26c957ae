// Golden directories: a test's rendered files against the checked-in copies (UPDATE_GOLDEN=1 rewrites them).
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === '1';

/** Asserts `dir` holds exactly `files` (name -> text), byte for byte; with UPDATE_GOLDEN=1 writes them first. */
export function assertGoldenDir(dir: string, files: ReadonlyMap<string, string>, label: string): void {
  if (UPDATE_GOLDEN) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of files) writeFileSync(join(dir, file), text);
  }
  assert.deepEqual(readdirSync(dir).sort(), [...files.keys()].sort(), `the files in ${dir}`);
  for (const [file, text] of files) {
    assert.equal(
      text,
      readFileSync(join(dir, file), 'utf8'),
      `${label}/${file} differs from the golden file; if intended, run UPDATE_GOLDEN=1`,
    );
  }
}
