// checkBinaries names every missing program in one typed error, so doctor can list them without reading its sentence.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BinariesMissingError, checkBinaries } from './binaries.js';

describe('checkBinaries', () => {
  test('nothing on PATH: one BinariesMissingError listing each program and PostgreSQL', () => {
    const env = { PATH: '/nonexistent-gardenos-bin', GARDENOS_PG_BIN_DIR: '/nonexistent-gardenos-pg' };
    assert.throws(
      () => checkBinaries(17, env),
      (err: unknown) => {
        assert.ok(err instanceof BinariesMissingError);
        assert.equal(err.code, 'BINARY_MISSING');
        assert.ok(
          err.problems.some((p) => p.startsWith('etcd ')),
          err.problems.join('; '),
        );
        assert.ok(
          err.problems.some((p) => p.startsWith('PostgreSQL 17 ')),
          err.problems.join('; '),
        );
        assert.match(err.hint, /apt-get install/);
        return true;
      },
    );
  });
});
