import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runMain } from '../test/support/main-in-process.js';
import { GardenError } from './errors.js';
import { fromSystemError } from './os-errors.js';

const dir = mkdtempSync(join(tmpdir(), 'gardenos-oserr-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const thrownBy = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('did not throw');
};

describe('fromSystemError', () => {
  test('real errors from fs: a file used as a directory, a dir that exists, a missing file; a pathless EISDIR left alone', () => {
    writeFileSync(join(dir, 'f'), 'x');
    const cases: [unknown, RegExp][] = [
      [
        thrownBy(() => mkdirSync(join(dir, 'f', 'sub'))),
        /Could not mkdir .*f\/sub: a part of the path is not a directory \(ENOTDIR\)/,
      ],
      [thrownBy(() => mkdirSync(dir)), /Could not mkdir .*: it already exists \(EEXIST\)/],
      [thrownBy(() => readFileSync(join(dir, 'none'))), /Could not open .*none: it does not exist \(ENOENT\)/],
    ];
    for (const [err, message] of cases) {
      const e = fromSystemError(err);
      assert.ok(e instanceof GardenError, String(err));
      assert.equal(e.code, 'OS_ERROR');
      assert.equal(e.exitCode, 2);
      assert.match(e.message, message);
      assert.ok(e.hint.length > 0);
    }
    // EISDIR from read(2) carries no path: it is left as it is rather than naming nothing (readSpecFile names it).
    const noPath = thrownBy(() => readFileSync(dir)) as { code: string };
    assert.equal(noPath.code, 'EISDIR');
    assert.equal(fromSystemError(noPath), undefined);
  });

  test('permission and space errors name the path and what to do; other errors are left alone', () => {
    const eacces = Object.assign(new Error('EACCES: permission denied'), {
      code: 'EACCES',
      syscall: 'open',
      path: '/srv/garden/secrets.json',
    });
    const e = fromSystemError(eacces)!;
    assert.equal(e.message, 'Could not open /srv/garden/secrets.json: permission denied (EACCES).');
    assert.match(e.hint, /ls -ld \/srv\/garden\/secrets\.json/);
    const full = fromSystemError(Object.assign(new Error('x'), { code: 'ENOSPC', syscall: 'write', path: '/srv/x' }))!;
    assert.match(full.hint, /df -h \/srv\/x/);
    assert.equal(fromSystemError(new Error('a bug')), undefined);
    assert.equal(fromSystemError(Object.assign(new Error('x'), { code: 'ECONNRESET', syscall: 'read' })), undefined);
  });

  test('through the CLI: a directory given as the spec file is exit 2 with a fix, no stack trace', async () => {
    const sub = join(dir, 'spec-dir');
    mkdirSync(sub);
    const r = await runMain(['spec', 'check', sub], dir);
    assert.equal(r.code, 2, r.err);
    assert.doesNotMatch(r.err, /INTERNAL|\n\s+at /);
    assert.match(r.err, /error \[(OS_ERROR|SPEC_NOT_FOUND|SPEC_PARSE)\]: .*spec-dir/);
  });
});
