// The Patroni client classifies failures by type, so callers never read its message: no answer, a DCS write that failed, any other refusal.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PatroniApiError, PatroniClient } from './client.js';

let server: Server;
let base = '';

before(async () => {
  server = createServer((req, res) => {
    // What Patroni's api.py answers when it cannot write the failover key (its etcd member just died).
    if (req.url === '/switchover') res.writeHead(503).end('failed to write failover key into DCS');
    else if (req.url === '/failover') res.writeHead(412).end('candidate name does not match with sync_standby');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"members":[]}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

async function failureOf(call: () => Promise<unknown>): Promise<PatroniApiError> {
  try {
    await call();
  } catch (err) {
    assert.ok(err instanceof PatroniApiError, `expected a PatroniApiError, got ${String(err)}`);
    assert.equal(err.code, 'PATRONI_API');
    return err;
  }
  assert.fail('the call succeeded');
}

describe('PatroniClient failures', () => {
  test('503 because the DCS write failed is dcs-unavailable (safe to retry)', async () => {
    const err = await failureOf(() => new PatroniClient(base).switchover({ leader: 'pg1' }));
    assert.equal(err.failure, 'dcs-unavailable');
    assert.equal(err.status, 503);
  });

  test('any other HTTP error is refused, with its status', async () => {
    const err = await failureOf(() => new PatroniClient(base).failover({ candidate: 'pg2' }));
    assert.equal(err.failure, 'refused');
    assert.equal(err.status, 412);
  });

  test('no HTTP answer at all is unreachable', async () => {
    const err = await failureOf(() => new PatroniClient('http://127.0.0.1:1', undefined, 500).cluster());
    assert.equal(err.failure, 'unreachable');
    assert.equal(err.status, undefined);
  });
});
