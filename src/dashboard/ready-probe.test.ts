import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { dashboardReadyProbe } from './ready-probe.js';

describe('dashboard ready probe', () => {
  let server: Server;
  let url = '';
  // What the fake dashboard answers: without a token, and with the right one.
  let answers = { anonymous: 401, admitted: 200 };
  before(async () => {
    server = createServer((req, res) => {
      const admitted = req.headers.authorization === 'Bearer right';
      res.writeHead(admitted ? answers.admitted : answers.anonymous).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('ready: 401 without the token, 200 with it', async () => {
    answers = { anonymous: 401, admitted: 200 };
    assert.equal(await dashboardReadyProbe(url, 'right')(), undefined);
  });

  test('not ready: no status read yet (503), an open gate, a different token', async () => {
    answers = { anonymous: 401, admitted: 503 };
    assert.match((await dashboardReadyProbe(url, 'right')())!, /not read the platform status/);
    answers = { anonymous: 200, admitted: 200 };
    assert.match((await dashboardReadyProbe(url, 'right')())!, /without its token; it must refuse/);
    answers = { anonymous: 401, admitted: 200 };
    assert.match((await dashboardReadyProbe(url, 'wrong')())!, /refuses the token/);
  });

  test('nothing listening: says so, within its timeout', async () => {
    const closed = await new Promise<string>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(`http://127.0.0.1:${port}/`));
      });
    });
    assert.match((await dashboardReadyProbe(closed, 'right', 500)())!, /does not answer yet/);
  });
});
