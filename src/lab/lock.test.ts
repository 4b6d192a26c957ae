// The machine's lab lock: one holder at a time, and a dead holder's lock is taken over.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withLabLock } from './lock.js';

describe('withLabLock', () => {
  it('runs one holder at a time', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'gardenos-lock-')), 'lock');
    const order: string[] = [];
    const slow = (name: string) =>
      withLabLock(
        async () => {
          order.push(`${name} in`);
          await new Promise((r) => setTimeout(r, 50));
          order.push(`${name} out`);
        },
        { dir },
      );
    await Promise.all([slow('a'), slow('b')]);
    assert.deepEqual(order, ['a in', 'a out', 'b in', 'b out']);
  });

  it('takes over the lock of a holder that died', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'gardenos-lock-')), 'lock');
    const dead = spawnSync('true').pid!;
    mkdirSync(dir);
    writeFileSync(join(dir, 'pid'), String(dead));
    assert.equal(await withLabLock(async () => 'ran', { dir, timeoutMs: 2000 }), 'ran');
  });
});
