// End to end: the kernel route (router.kernelRoute). The router keeps an nftables DNAT rule from
// basePort + 5 to the leader, as the gardenos user with CAP_NET_ADMIN alone; after a switchover the
// port reaches the new leader and a connection held across it is cut; down deletes the table.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import {
  cli,
  eventually,
  makeStateParent,
  processPid,
  query,
  requireStack,
  superuserPassword,
  sslFor,
} from './harness.js';

const BASE = 19900;
const KERNEL = BASE + 5;
const parent = makeStateParent('kernel-route');
const stateDir = join(parent, 'garden');
const specFile = join(parent, 'gardenos.yaml');
const flags = ['-f', specFile, '--state-dir', stateDir, '--base-port', String(BASE)];
const TABLE = `gardenos_garden_${BASE}`;
let password = '';

const serverPort = async () =>
  Number((await query<{ p: number }>(KERNEL, password, 'SELECT inet_server_port() AS p'))[0]!.p);
const tableExists = () => execFileSync('nft', ['list', 'tables']).toString().includes(TABLE);

describe('the kernel route: an nftables DNAT rule kept on the leader', { timeout: 600_000 }, () => {
  before(() => {
    requireStack();
    if (process.getuid?.() !== 0) throw new Error('router.kernelRoute needs root: run the e2e tests as root');
    writeFileSync(specFile, 'router:\n  kernelRoute:\n    enabled: true\n');
  });
  after(async () => {
    await cli(['down', '--purge', '--yes', ...flags]);
  });

  test('up routes the kernel port to the leader; the router holds CAP_NET_ADMIN and nothing else', async () => {
    const r = await cli(['up', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    password = superuserPassword(stateDir);
    const s = JSON.parse((await cli(['status', '--json', ...flags])).stdout) as {
      postgres: { members: { name: string; role: string; port: number }[] };
      kernelRoute: { port: number; routedTo: string | null };
    };
    const leader = s.postgres.members.find((m) => m.role === 'leader')!;
    assert.deepEqual(s.kernelRoute, { port: KERNEL, routedTo: leader.name });
    assert.equal(await serverPort(), leader.port);
    const status = readFileSync(`/proc/${processPid(stateDir, 'router')}/status`, 'utf8');
    assert.match(status, /^Uid:\s+(\d+)/m);
    assert.notEqual(/^Uid:\s+(\d+)/m.exec(status)![1], '0', 'the router must not run as root');
    assert.match(status, /^CapEff:\s+0000000000001000$/m, 'CAP_NET_ADMIN (bit 12) only');
  });

  test('after a switchover the port reaches the new leader; a connection held across it is cut', async () => {
    const held = new pg.Client({
      host: '127.0.0.1',
      port: KERNEL,
      user: 'postgres',
      password,
      database: 'postgres',
      ssl: sslFor(password),
    });
    held.on('error', () => undefined);
    await held.connect();
    const from = await serverPort();
    const sw = await cli(['switchover', '--yes', ...flags]);
    assert.equal(sw.code, 0, sw.stderr);
    const to = await eventually(serverPort, (p) => p !== from, 30_000);
    assert.notEqual(to, from);
    const ro = (await query<{ r: boolean }>(KERNEL, password, 'SELECT pg_is_in_recovery() AS r'))[0]!.r;
    assert.equal(ro, false);
    await assert.rejects(held.query('SELECT 1'), 'a session on the old leader must not carry on');
    await held.end().catch(() => undefined);
  });

  test('doctor finds the kernel route on the leader; down deletes its table', async () => {
    const d = await cli(['doctor', '--json', ...flags]);
    assert.ok(d.stdout.trim().startsWith('{'), `doctor --json exited ${d.code}: ${d.stderr}`);
    const report = JSON.parse(d.stdout) as { checks: { id: string; status: string }[] };
    const check = report.checks.find((c) => c.id === 'routing.kernel-route');
    assert.equal(check?.status, 'ok', `doctor's kernel route check: ${JSON.stringify(check)}`);
    assert.ok(tableExists());
    const r = await cli(['down', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!tableExists(), `nft still lists ${TABLE}`);
  });
});
