// The RouteTarget conformance suite: the same cases run against every implementation (HAProxy, Kubernetes, the router tests' fake).
/* eslint-disable @typescript-eslint/no-floating-promises -- node:test's describe() and test() return promises its runner awaits */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ActualRoutes, PrimaryRoute, RouteTarget } from './types.js';

export interface RouteTargetFixture {
  target: RouteTarget;
  /** Every member the target routes to; the suite needs at least two. */
  members: string[];
  /** A second, independent handle on the same routes: what another router process would hold. */
  peer(): RouteTarget;
  teardown(): Promise<void>;
}

/**
 * Samples actual() back to back while `during` runs and records every sample that had two members ready:
 * the one moment a split brain can happen is the middle of a switch, so that is where we look.
 */
export async function sampleWhile(
  target: RouteTarget,
  during: () => Promise<void>,
  minSamples = 0,
): Promise<{ samples: number; doubles: string[][] }> {
  let running = true;
  let samples = 0;
  const doubles: string[][] = [];
  const sampler = (async () => {
    while (running) {
      const a = await target.actual();
      samples++;
      if (a.ready.length > 1) doubles.push(a.ready);
    }
  })();
  try {
    // Switches can be faster than samples (one HAProxy round trip each): repeat them until the sampler
    // has looked often enough, so the check cannot pass by never looking.
    for (let i = 0; i === 0 || (samples < minSamples && i < 100); i++) await during();
  } finally {
    running = false;
    await sampler;
  }
  return { samples, doubles };
}

async function expectRouted(target: RouteTarget, member: string): Promise<ActualRoutes> {
  const a = await target.actual();
  assert.deepEqual(a.ready, [member], `after routing to ${member}, ready is ${JSON.stringify(a.ready)}`);
  assert.ok(a.routable.includes(member), `${member} is ready but not routable: ${JSON.stringify(a)}`);
  return a;
}

export function runRouteTargetConformance(name: string, setup: () => Promise<RouteTargetFixture>): void {
  /** A fresh target per case, so cases never depend on each other's leftovers. */
  const withTarget = (fn: (f: RouteTargetFixture, a: string, b: string) => Promise<void>) => async () => {
    const f = await setup();
    try {
      assert.ok(f.members.length >= 2, 'the conformance suite needs at least two members');
      await fn(f, f.members[0]!, f.members[1]!);
    } finally {
      await f.teardown();
    }
  };
  const apply = (t: RouteTarget, primary: string | null) => t.apply({ primary } satisfies PrimaryRoute);

  describe(`RouteTarget conformance: ${name}`, () => {
    test(
      'apply({primary: A}) makes A the only ready member, and routable',
      withTarget(async ({ target }, a) => {
        await apply(target, a);
        await expectRouted(target, a);
      }),
    );

    test(
      'switching A -> B leaves only B ready',
      withTarget(async ({ target }, a, b) => {
        await apply(target, a);
        await apply(target, b);
        const actual = await expectRouted(target, b);
        assert.ok(!actual.ready.includes(a));
      }),
    );

    test(
      'a concurrent sampler never sees two members ready while switches run',
      withTarget(async ({ target, members }, a, b) => {
        await apply(target, a);
        const order = [b, a, b, members[2] ?? a, b];
        const r = await sampleWhile(
          target,
          async () => {
            for (const m of order) await apply(target, m);
          },
          20,
        );
        assert.deepEqual(r.doubles, [], `two members ready at once in ${r.doubles.length} of ${r.samples} samples`);
        assert.ok(r.samples >= 20, `the sampler only ran ${r.samples} times during the switches`);
        await expectRouted(target, b);
      }),
    );

    test(
      'two routers applying the same leader at once: never two members ready, that leader routed',
      withTarget(async ({ target, members, peer }, a, b) => {
        const other = peer();
        await apply(target, a);
        // A router retries a rejected apply (the Kubernetes target rejects a stale resourceVersion).
        const applyRetrying = async (t: RouteTarget, m: string) => {
          for (let attempt = 1; ; attempt++) {
            try {
              return await apply(t, m);
            } catch (err) {
              if (attempt >= 5) throw err;
            }
          }
        };
        const order = [b, members[2] ?? a, a, b];
        const r = await sampleWhile(
          target,
          async () => {
            for (const m of order) await Promise.all([applyRetrying(target, m), applyRetrying(other, m)]);
          },
          20,
        );
        assert.deepEqual(r.doubles, [], `two members ready at once in ${r.doubles.length} of ${r.samples} samples`);
        await expectRouted(target, b);
        await expectRouted(other, b);
      }),
    );

    test(
      'apply({primary: null}) leaves nobody ready',
      withTarget(async ({ target }, a) => {
        await apply(target, a);
        await apply(target, null);
        const actual = await target.actual();
        assert.deepEqual(actual.ready, []);
        assert.deepEqual(actual.routable, []);
      }),
    );

    test(
      'applying the same route twice is idempotent',
      withTarget(async ({ target }, a) => {
        await apply(target, a);
        const first = await expectRouted(target, a);
        await apply(target, a);
        assert.deepEqual(await expectRouted(target, a), first);
        await apply(target, null);
        await apply(target, null);
        assert.deepEqual((await target.actual()).ready, []);
      }),
    );

    test(
      'apply of an unknown member rejects and never leaves two members ready',
      withTarget(async ({ target }, a) => {
        await apply(target, a);
        const r = await sampleWhile(target, async () => {
          await assert.rejects(apply(target, 'no-such-member'), /no-such-member/);
        });
        assert.deepEqual(r.doubles, []);
        const actual = await target.actual();
        assert.ok(actual.ready.length <= 1, `ready after a rejected apply: ${JSON.stringify(actual.ready)}`);
        assert.ok(!actual.ready.includes('no-such-member'));
      }),
    );

    test(
      'members lists every member, routed or not',
      withTarget(async ({ target, members }, a) => {
        await apply(target, a);
        assert.deepEqual([...(await target.actual()).members].sort(), [...members].sort());
        await apply(target, null);
        assert.deepEqual([...(await target.actual()).members].sort(), [...members].sort());
      }),
    );
  });
}
