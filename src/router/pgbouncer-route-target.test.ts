// PgbouncerRouteTarget against a real PgBouncer, and the chained target against it plus the in-memory fake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PgbouncerRouteTarget } from './pgbouncer-route-target.js';
import type { PoolerMember } from '../pooler/index.js';
import { ChainedRouteTarget } from './chained-route-target.js';
import { runRouteTargetConformance } from './route-target.conformance.js';
import { startPgbouncer } from '../pooler/test-support/pgbouncer-harness.js';

/** Members are socket directories that need not exist: PgBouncer only connects when a client asks. */
const MEMBERS: PoolerMember[] = ['pg1', 'pg2', 'pg3'].map((name, i) => ({
  name,
  host: `/nonexistent/${name}`,
  port: 5432 + i,
}));

runRouteTargetConformance('PgBouncer route file + RELOAD', async () => {
  const h = await startPgbouncer();
  return {
    target: new PgbouncerRouteTarget(h.admin, h.routeFile, MEMBERS),
    peer: () => new PgbouncerRouteTarget(h.admin, h.routeFile, MEMBERS),
    members: MEMBERS.map((m) => m.name),
    teardown: h.stop,
  };
});

runRouteTargetConformance('chained: PgBouncer then a second PgBouncer', async () => {
  const [a, b] = await Promise.all([startPgbouncer(), startPgbouncer()]);
  const chain = () =>
    new ChainedRouteTarget([
      new PgbouncerRouteTarget(a.admin, a.routeFile, MEMBERS),
      new PgbouncerRouteTarget(b.admin, b.routeFile, MEMBERS),
    ]);
  return {
    target: chain(),
    peer: chain,
    members: MEMBERS.map((m) => m.name),
    teardown: async () => {
      await Promise.all([a.stop(), b.stop()]);
    },
  };
});

test('PgBouncer: the route reaches the loaded config (SHOW DATABASES), not just the file', async () => {
  const h = await startPgbouncer();
  try {
    const target = new PgbouncerRouteTarget(h.admin, h.routeFile, MEMBERS);
    await target.apply({ primary: 'pg2' });
    const rows = await h.admin.show('DATABASES');
    const probe = rows.find((r) => r.name === 'gardenos_route');
    assert.equal(probe?.host, '/nonexistent/pg2');
    assert.equal(Number(probe?.port), 5433);
  } finally {
    await h.stop();
  }
});
