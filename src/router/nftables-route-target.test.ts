// NftablesRouteTarget with the real nft: the conformance suite inside a network namespace of its own,
// and real TCP through the kernel port on loopback (a flow opened before a switch is reset after it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { NftablesRouteTarget, nftRunner, renderKernelRoute, routedMembers } from './nftables-route-target.js';
import { runRouteTargetConformance } from './route-target.conformance.js';

function requireNft(): void {
  if (process.getuid?.() !== 0)
    throw new Error('the nftables target tests need root (CAP_NET_ADMIN): run them as root');
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('nft is missing: sudo apt-get install -y nftables (or `gardenos setup`)');
  }
}

const LISTEN = { host: '127.0.0.1', port: 24950 };
const MEMBERS = ['pg1', 'pg2', 'pg3'].map((name, i) => ({ name, host: '127.0.0.1', port: 24951 + i }));

test('the rule set: one DNAT rule naming the primary, resets for flows DNATed elsewhere, nothing routed without one', () => {
  const s = { table: 'gardenos_garden', listen: LISTEN, members: MEMBERS };
  const routed = renderKernelRoute(s, MEMBERS[1]!);
  assert.match(routed, /flush chain ip gardenos_garden nat_output\n/);
  assert.equal(routed.match(/ dnat to /g)?.length, 1);
  assert.match(routed, /tcp dport 24950 dnat to 127\.0\.0\.1:24952 comment "gardenos-primary=pg2"/);
  assert.match(routed, /ct original proto-dst 24950 tcp dport != 24952 reject with tcp reset/);
  const none = renderKernelRoute(s, null);
  assert.doesNotMatch(none, /dnat/);
  assert.match(none, /ct original proto-dst 24950 reject with tcp reset/);
  const listed = JSON.stringify({
    nftables: [
      { metainfo: {} },
      { rule: { family: 'ip', table: 'gardenos_garden', chain: 'nat_output', comment: 'gardenos-primary=pg2' } },
      { rule: { family: 'ip', table: 'gardenos_garden', chain: 'filter_output' } },
    ],
  });
  assert.deepEqual(routedMembers(listed), ['pg2']);
});

test('nft exiting before it reads its stdin is an exit code and stderr, not an EPIPE that kills the process', async () => {
  // A program that reads nothing and fails: the write of a large script hits a closed pipe.
  const run = nftRunner(['sh', '-c', 'echo "nft: no such table" >&2; exit 1', 'nft']);
  const r = await run(['-f', '-'], 'add table ip x\n'.repeat(200_000));
  assert.deepEqual(r, { code: 1, stdout: '', stderr: 'nft: no such table\n' });
});

let netnsCount = 0;
runRouteTargetConformance('nftables DNAT (in a network namespace)', async () => {
  requireNft();
  const ns = `gardenos-nft-${process.pid}-${netnsCount++}`;
  execFileSync('ip', ['netns', 'add', ns]);
  const make = () =>
    new NftablesRouteTarget(
      { table: 'gardenos_test', listen: LISTEN, members: MEMBERS },
      nftRunner(['ip', 'netns', 'exec', ns, 'nft']),
    );
  return {
    target: make(),
    peer: make,
    members: MEMBERS.map((m) => m.name),
    teardown: async () => {
      execFileSync('ip', ['netns', 'del', ns]);
    },
  };
});

describeTraffic();

function describeTraffic(): void {
  const table = `gardenos_test_${process.pid}`;
  const servers: Server[] = [];
  const accepted: Socket[] = [];
  let target: NftablesRouteTarget;
  before(async () => {
    requireNft();
    for (const m of MEMBERS.slice(0, 2)) {
      const server = createServer((sock) => {
        accepted.push(sock);
        sock.on('error', () => undefined);
        sock.on('data', () => sock.write(`${m.name}\n`));
      });
      server.listen(m.port, m.host);
      await once(server, 'listening');
      servers.push(server);
    }
    target = new NftablesRouteTarget({ table, listen: LISTEN, members: MEMBERS.slice(0, 2) });
  });
  after(async () => {
    await target?.remove();
    // A reset made by the rule reaches the client only: the servers' ends are still open.
    for (const sock of accepted) sock.destroy();
    for (const s of servers) s.close();
  });

  /** Writes a line on the socket and reads the answer: the member name, or the error. */
  const ask = (sock: Socket) =>
    new Promise<string>((resolve) => {
      const done = (v: string) => {
        sock.removeAllListeners('data');
        resolve(v);
      };
      sock.once('data', (d: Buffer) => done(d.toString().trim()));
      sock.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
      sock.once('close', () => done('closed'));
      sock.write('who?\n');
    });
  const open = async () => {
    const sock = connect(LISTEN.port, LISTEN.host);
    sock.on('error', () => undefined);
    const outcome = await new Promise<string>((resolve) => {
      sock.once('connect', () => resolve('connected'));
      sock.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    return { sock, outcome };
  };

  test('real TCP on loopback: the kernel port reaches the primary; after a switch an old flow is reset, a new one reaches the new primary', async () => {
    await target.apply({ primary: 'pg1' });
    const held = await open();
    assert.equal(held.outcome, 'connected');
    assert.equal(await ask(held.sock), 'pg1');
    await target.apply({ primary: 'pg2' });
    assert.deepEqual((await target.actual()).ready, ['pg2']);
    assert.equal(await ask(held.sock), 'ECONNRESET', 'a flow to the old primary must not carry on after the switch');
    const fresh = await open();
    assert.equal(await ask(fresh.sock), 'pg2');
    await target.apply({ primary: null });
    assert.equal(await ask(fresh.sock), 'ECONNRESET');
    const refused = await open();
    assert.equal(refused.outcome, 'ECONNREFUSED');
    fresh.sock.destroy();
    held.sock.destroy();
    refused.sock.destroy();
  });
}
