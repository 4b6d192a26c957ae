// A short command loads only the packages it uses: one barrel import would make `gardenos status` pay
// for gRPC (etcd3), the dashboard's server (hono), prom-client, or the spec's parser and validator
// (yaml, zod: the bundle keeps validated specs, src/spec/memo.ts), most of its run time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
// @ts-expect-error: a plain ESM script with no type declarations
import { commandPackages } from '../../scripts/command-deps.mjs';

test('gardenos status loads no package at start (pg is imported only when PostgreSQL is asked)', async () => {
  const found = (await commandPackages('status')) as Map<string, string[]>;
  const chains = [...found].map(([pkg, chain]) => `${pkg}: ${chain.join(' -> ')}`).join('\n');
  assert.deepEqual([...found.keys()].sort(), [], chains);
});
