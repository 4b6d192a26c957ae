// `gardenos router` refuses bad flags and a busy port with a USAGE/PORT_IN_USE paragraph and exit 2.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from '../../../test/support/main-in-process.js';

describe('gardenos router (command)', () => {
  test('a missing flag is named, with how to pass it', async () => {
    const r = await runMain(
      ['router', '--etcd', 'http://127.0.0.1:2379', '--haproxy-socket', '/nonexistent.sock', '--listen', '127.0.0.1:1'],
      tmpdir(),
    );
    assert.equal(r.code, 2);
    assert.match(r.err, /--scope/);
    assert.match(r.err, /--scope garden/);
  });

  test('without --etcd it reads the local platform, and says so when there is none', async () => {
    const r = await runMain(['router', '--state-dir', join(tmpdir(), 'gardenos-no-such-platform')], tmpdir());
    assert.equal(r.code, 2);
    assert.match(r.err, /no gardenos platform in .*gardenos-no-such-platform/);
    assert.match(r.err, /gardenos up/);
  });

  test('a port in use ends with exit 2 before any routing starts', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await runMain(
        [
          'router',
          '--etcd',
          'http://127.0.0.1:1',
          '--scope',
          'garden',
          '--haproxy-socket',
          '/nonexistent.sock',
          '--listen',
          `127.0.0.1:${port}`,
        ],
        tmpdir(),
      );
      assert.equal(r.code, 2);
      assert.match(r.err, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}`));
      assert.match(r.err, /--listen/);
    } finally {
      busy.close();
    }
  });
});
