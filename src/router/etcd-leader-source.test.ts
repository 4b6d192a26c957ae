// EtcdLeaderSource against a real single etcd member: reads, watch events, and rebuilding after etcd crashes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Etcd3 } from 'etcd3';
import { fastEtcdClient } from '../dcs/index.js';
import { EtcdLeaderSource } from './etcd-leader-source.js';
import { startEtcd, type EtcdHarness } from './test-support/etcd-harness.js';
import { waitFor } from '../../test/support/processes.js';
import type { LeaderObservation } from './types.js';

/** Starts a source and records what it reports. */
async function watch(client: Etcd3, key: string) {
  const source = new EtcdLeaderSource(client, key);
  const seen: LeaderObservation[] = [];
  const errors: Error[] = [];
  await source.start(
    (o) => seen.push(o),
    (e) => errors.push(e),
  );
  const next = (what: string, pred: (o: LeaderObservation) => boolean, from: number, timeoutMs = 3000) =>
    waitFor(what, () => seen.slice(from).find(pred), timeoutMs);
  return { source, seen, errors, next };
}

describe('EtcdLeaderSource on a real etcd', () => {
  let etcd: EtcdHarness;
  let client: Etcd3;
  const sources: EtcdLeaderSource[] = [];

  before(async () => {
    etcd = await startEtcd();
    client = fastEtcdClient(etcd.clientUrl, 500);
  });
  after(async () => {
    await Promise.all(sources.map((s) => s.stop()));
    client?.close();
    await etcd?.stop();
  });

  test('read() of an absent key gives leader null at the store revision', async () => {
    const o = await new EtcdLeaderSource(client, '/service/absent/leader').read();
    assert.equal(o.leader, null);
    assert.match(o.revision, /^\d+$/);
    assert.equal(o.cause, 'read');
  });

  test('start() emits the initial read, then put and delete events with increasing revisions', async () => {
    const key = '/service/events/leader';
    await client.put(key).value('pg1');
    const w = await watch(client, key);
    sources.push(w.source);
    assert.equal(w.seen.length, 1);
    const first = w.seen[0]!;
    assert.deepEqual([first.leader, first.cause, first.event], ['pg1', 'initial read', undefined]);

    await client.put(key).value('pg2');
    const put = await w.next('the put of pg2', (o) => o.leader === 'pg2', 1);
    await client.delete().key(key);
    const del = await w.next('the delete', (o) => o.leader === null, 1);
    assert.deepEqual(
      [put.cause, put.event, del.cause, del.event],
      ['leader key changed', true, 'leader key deleted', true],
    );
    assert.ok(
      BigInt(first.revision) < BigInt(put.revision) && BigInt(put.revision) < BigInt(del.revision),
      `revisions not increasing: ${first.revision}, ${put.revision}, ${del.revision}`,
    );
    assert.equal(w.seen.length, 3, `unexpected observations: ${JSON.stringify(w.seen)}`);
    assert.deepEqual(w.errors, []);
  });

  test('after etcd is SIGKILLed and restarted, the errors are reported and the watch rebuilds from a fresh read', async () => {
    const key = '/service/crash/leader';
    const put = await client.put(key).value('pg1').exec();
    const w = await watch(client, key);
    sources.push(w.source);
    assert.equal(w.seen[0]?.leader, 'pg1');

    await etcd.kill();
    // While etcd is down every rebuild attempt fails on its read, is reported, and is retried after a backoff.
    await waitFor('the watch error and failed rebuilds to be reported', () => w.errors.length >= 3, 5000);
    assert.equal(w.seen.length, 1, 'nothing may be emitted while etcd is down');
    await etcd.restart();
    // The value survived the crash on disk; the rebuilt watch starts with a fresh read of it.
    const rebuilt = await w.next('the rebuilt read', (o) => o.cause === 'watch rebuilt after error', 1, 10_000);
    assert.equal(rebuilt.leader, 'pg1');
    assert.ok(BigInt(rebuilt.revision) >= BigInt(put.header.revision));

    const from = w.seen.length;
    await client.put(key).value('pg2');
    const after = await w.next('the put of pg2 after the restart', (o) => o.leader === 'pg2', from, 5000);
    assert.equal(after.cause, 'leader key changed');
    assert.ok(BigInt(after.revision) > BigInt(rebuilt.revision));
  });
});
