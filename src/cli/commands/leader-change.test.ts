// switchover and failover take --yes like every other command that changes the cluster, and ask otherwise.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from '../../../test/support/main-in-process.js';

const noPlatform = ['--state-dir', join(tmpdir(), 'gardenos-no-such-platform-lc')];

describe('switchover and failover confirmation', () => {
  for (const args of [
    ['switchover', '--yes'],
    ['switchover', '--to', 'pg2', '--yes'],
    ['failover', '--to', 'pg2', '--yes'],
  ]) {
    test(`${args.join(' ')} is accepted (it gets as far as looking for the platform)`, async () => {
      const r = await runMain([...args, ...noPlatform], tmpdir());
      assert.equal(r.code, 2);
      assert.doesNotMatch(r.err, /USAGE|unknown option/i);
      assert.match(r.err, /NOT_RUNNING|no gardenos platform/);
    });
  }
});
