// Member status over etcd's JSON gateway, against a real etcd: leader, version, and members that do not answer.
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { startEtcd, type EtcdHarness } from '../router/test-support/etcd-harness.js';
import { freePort } from '../../test/support/processes.js';
import { etcdMembersStatus } from './etcd-status.js';

let etcd: EtcdHarness;
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd.stop();
});

const portOf = (s: { address(): unknown }) => (s.address() as { port: number }).port;

test('a lone member leads: healthy, the leader, its version; a closed port and a silent one are unhealthy, with the reason', async () => {
  const closed = `http://127.0.0.1:${await freePort()}`;
  // Accepts and never answers: the timeout, not the kernel, ends the wait.
  const silent = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  try {
    const [up, refused, mute] = await etcdMembersStatus(
      [
        { name: 'e1', clientURL: etcd.clientUrl },
        { name: 'e2', clientURL: closed },
        { name: 'e3', clientURL: `http://127.0.0.1:${portOf(silent)}` },
      ],
      500,
    );
    assert.match(up!.version!, /^3\.\d+\.\d+/);
    assert.deepEqual(
      { ...up, version: 'x' },
      { name: 'e1', clientURL: etcd.clientUrl, healthy: true, isLeader: true, version: 'x' },
    );
    assert.equal(refused!.healthy, false);
    assert.match(refused!.error!, /ECONNREFUSED/);
    assert.equal(mute!.healthy, false);
    assert.match(mute!.error!, /no answer from .* within 500 ms/);
  } finally {
    silent.close();
  }
});

test('another program on the port (HTTP, not etcd): unhealthy, with what it answered', async () => {
  const other = createHttpServer((_req, res) => res.writeHead(404).end('not here'));
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  try {
    const [s] = await etcdMembersStatus([{ name: 'x', clientURL: `http://127.0.0.1:${portOf(other)}` }], 1000);
    assert.equal(s!.healthy, false);
    assert.match(s!.error!, /HTTP 404 .*not here/);
  } finally {
    other.close();
  }
});
