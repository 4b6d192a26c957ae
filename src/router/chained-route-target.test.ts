// ChainedRouteTarget: one target down must not keep the others on the old leader, and an unknown
// member changes nothing. (Its conformance suite runs in pgbouncer-route-target.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChainedRouteTarget } from './chained-route-target.js';
import type { ActualRoutes, PrimaryRoute, RouteTarget } from './types.js';

class MemoryTarget implements RouteTarget {
  primary: string | null = null;
  down = false;
  constructor(
    readonly name: string,
    private readonly members = ['pg1', 'pg2'],
  ) {}
  actual(): Promise<ActualRoutes> {
    if (this.down) return Promise.reject(new Error(`${this.name} does not answer`));
    const ready = this.primary ? [this.primary] : [];
    return Promise.resolve({ ready, routable: ready, members: this.members });
  }
  apply(wanted: PrimaryRoute): Promise<void> {
    if (this.down) return Promise.reject(new Error(`${this.name} does not answer`));
    if (wanted.primary && !this.members.includes(wanted.primary)) return Promise.reject(new Error('unknown'));
    this.primary = wanted.primary;
    return Promise.resolve();
  }
}

test('with the second target down, the first still moves to the new leader, and apply reports the one that failed', async () => {
  const haproxy = new MemoryTarget('haproxy');
  const pgbouncer = new MemoryTarget('pgbouncer');
  const chain = new ChainedRouteTarget([haproxy, pgbouncer]);
  await chain.apply({ primary: 'pg1' });
  pgbouncer.down = true;
  await assert.rejects(chain.apply({ primary: 'pg2' }), /pgbouncer: pgbouncer does not answer/);
  assert.equal(haproxy.primary, 'pg2');
  // Its actual() is the answering target's, with nothing routable until every target agrees again.
  assert.deepEqual(await chain.actual(), { ready: ['pg2'], routable: [], members: ['pg1', 'pg2'] });
  pgbouncer.down = false;
  await chain.apply({ primary: 'pg2' });
  assert.deepEqual(await chain.actual(), { ready: ['pg2'], routable: ['pg2'], members: ['pg1', 'pg2'] });
});

test('an unknown member is refused before any target changes', async () => {
  const a = new MemoryTarget('a');
  const b = new MemoryTarget('b');
  const chain = new ChainedRouteTarget([a, b]);
  await chain.apply({ primary: 'pg1' });
  await assert.rejects(chain.apply({ primary: 'pg9' }), /pg9/);
  assert.deepEqual([a.primary, b.primary], ['pg1', 'pg1']);
});
