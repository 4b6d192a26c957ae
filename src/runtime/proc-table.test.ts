import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { childPids, descendantPids, listeningPids, parseListeningInodes, parsePpid, parseUids } from './proc-table.js';

const TABLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:3C2F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41512 1 0000000000000000 100 0 0 10 0
   1: 0100007F:3C2F 0100007F:D2E0 01 00000000:00000000 00:00000000 00000000     0        0 41999 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:3C30 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 41600 1 0000000000000000 100 0 0 10 0
`;

test('the listening sockets of a port, not its established connections', () => {
  assert.deepEqual(parseListeningInodes(TABLE, 0x3c2f), ['41512']);
  assert.deepEqual(parseListeningInodes(TABLE), ['41512', '41600']);
  assert.deepEqual(parseListeningInodes(TABLE, 1), []);
});

test('uids from a status file', () => {
  assert.deepEqual(parseUids('Name:\tnode\nUid:\t994\t994\t994\t994\nGid:\t993\n'), [994, 994, 994, 994]);
  assert.equal(parseUids('Name:\tnode\n'), undefined);
});

test('this process, found as the one listening on a port it bound', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, r));
  const port = (server.address() as AddressInfo).port;
  try {
    assert.deepEqual(listeningPids(port), [process.pid]);
  } finally {
    await new Promise((r) => server.close(r));
  }
  assert.deepEqual(listeningPids(port), []);
});

test('the parent pid, whatever the command name holds', () => {
  assert.equal(parsePpid('4242 (a (b) c) S 17 4242 4242 0 -1'), 17);
});

test('children and descendants of this process', async () => {
  // sh, which starts sleep: a child and a grandchild.
  const child = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
  try {
    for (;;) {
      const below = descendantPids(process.pid);
      if (below.length >= 2) {
        assert.ok(childPids(process.pid).includes(child.pid!));
        assert.ok(below.includes(child.pid!));
        assert.ok(
          below.some((p) => childPids(child.pid!).includes(p)),
          'the grandchild too',
        );
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    child.kill('SIGKILL');
  }
});
