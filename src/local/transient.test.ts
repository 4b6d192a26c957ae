// Which failures of a step on the primary are the primary port still settling, and which end the step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GardenError } from '../errors.js';
import { isTransientPrimaryError, retryOnThePrimary } from './transient.js';

const sqlError = (code: string) => Object.assign(new Error(`sqlstate ${code}`), { code });

test('connection-level failures and a server not yet primary are transient; refusals and SQL errors are not', () => {
  assert.equal(isTransientPrimaryError(new Error('Connection terminated unexpectedly')), true);
  assert.equal(isTransientPrimaryError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })), true);
  for (const code of ['25006', '57P01', '57P03', '08006']) assert.equal(isTransientPrimaryError(sqlError(code)), true);
  for (const code of ['42501', '28P01', '42P07', '23505']) assert.equal(isTransientPrimaryError(sqlError(code)), false);
  assert.equal(
    isTransientPrimaryError(new GardenError('CLUSTER_STATE', 'role owned by another', { hint: 'x' })),
    false,
  );
  assert.equal(isTransientPrimaryError('a string'), false);
});

test('retries a transient failure until it succeeds; a lasting or a non-transient one surfaces', async () => {
  let calls = 0;
  const ok = await retryOnThePrimary(
    async () => {
      if (++calls < 3) throw new Error('Connection terminated unexpectedly');
      return 'done';
    },
    5000,
    5,
  );
  assert.deepEqual([ok, calls], ['done', 3]);

  let denied = 0;
  await assert.rejects(
    retryOnThePrimary(async () => {
      denied++;
      throw sqlError('42501');
    }),
    /sqlstate 42501/,
  );
  assert.equal(denied, 1);

  const t0 = performance.now();
  await assert.rejects(
    retryOnThePrimary(
      async () => {
        throw new Error('Connection terminated unexpectedly');
      },
      100,
      10,
    ),
    /terminated/,
  );
  assert.ok(performance.now() - t0 < 1000);
});
