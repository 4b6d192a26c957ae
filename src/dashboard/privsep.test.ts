// The collector and its web side over a real IPC channel: the web side is `gardenos dashboard-web`
// started from the bundle, as `nobody` when the tests run as root (CI), serving on the socket bound here.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { GardenError } from '../errors.js';
import type { LeaderChange } from '../ops/leader-change.js';
import { GARDENOS_BIN } from '../runtime/install-paths.js';
import { isRoot, lookupUser } from '../runtime/os-user.js';
import type { HubEvent } from './hub.js';
import { bindDashboardPort } from './listen.js';
import { startWebSide, type WebSide } from './privsep.js';
import type { DashboardSnapshot } from './snapshot.js';

const TOKEN = 'a-token-of-the-test-0123456789';
const user = isRoot() ? lookupUser('nobody') : undefined;

/** A hub the test drives: it pushes events and answers switchovers as told. */
class FakeHub {
  readonly listeners = new Set<(e: HubEvent) => void>();
  switchovers = 0;
  /** What the web side last said about its pages. */
  remoteViewers = 0;
  relays = 0;
  setRemoteViewers(n: number): void {
    this.remoteViewers = n;
  }
  answer: () => Promise<LeaderChange> = () =>
    Promise.resolve({ from: 'pg1', to: 'pg2', elapsedMs: 1234 } as LeaderChange);
  subscribe(l: (e: HubEvent) => void, opts: { viewer?: boolean } = {}): () => void {
    if (opts.viewer === false) this.relays++;
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  switchover(): Promise<LeaderChange> {
    this.switchovers++;
    return this.answer();
  }
  push(e: HubEvent): void {
    for (const l of this.listeners) l(e);
  }
}

const snapshot = (leader: string) => ({ leader, marker: 'from the collector' }) as unknown as DashboardSnapshot;

describe('the dashboard split in two: collector and web side', { timeout: 120_000 }, () => {
  const hub = new FakeHub();
  const logs: string[] = [];
  let bound: Server;
  let web: WebSide;
  let origin: string;
  let early: Promise<string>;
  const get = (path: string, auth = true) =>
    fetch(`${origin}${path}`, {
      headers: auth ? { authorization: `Bearer ${TOKEN}` } : {},
      signal: AbortSignal.timeout(10_000),
    });

  before(async () => {
    if (isRoot()) assert.ok(user, 'the test runs the web side as `nobody`, which this machine lacks');
    // The bundle made fresh by this user: `nobody` can read it, not write it (`up` runs from it, fresh).
    execFileSync(process.execPath, [GARDENOS_BIN, '--version']);
    bound = await bindDashboardPort('127.0.0.1', 0);
    const port = (bound.address() as AddressInfo).port;
    origin = `http://127.0.0.1:${port}`;
    const starting = startWebSide({
      user,
      bound,
      token: TOKEN,
      port: 1,
      assets: { uplotJs: '/* uplot */', uplotCss: '/* css */' },
      hub,
      log: (l) => logs.push(l),
    });
    // A client that comes before the web side serves (up's readiness probe does). startWebSide listened
    // first, so this listener firing means the collector accepted it, not the web side.
    const accepted = new Promise<void>((r) => bound.once('connection', () => r()));
    early = rawRequest(port);
    await accepted;
    web = await starting;
  });
  after(() => web?.close());

  test('a connection the collector accepted before the web side served is answered by the web side', async () => {
    assert.match(await early, /^HTTP\/1\.1 401 [^]*needs its token/);
  });

  test('the collector lets the socket go; the web side serves on it, behind the token', async () => {
    assert.equal(bound.listening, false, "the collector's copy is closed: it accepts nothing");
    assert.equal((await get('/api/snapshot', false)).status, 401);
    assert.equal((await get('/vendor/uplot.js')).status, 200);
    assert.equal(await (await get('/vendor/uplot.js')).text(), '/* uplot */', 'the assets came over the channel');
    assert.match(logs.join('\n'), new RegExp(`the web side serves .*pid ${web.pid}`));
  });

  test(
    'as root, the web side runs as the user given, with no supplementary group and no capability',
    { skip: !isRoot() && 'runs the web side as another user only as root' },
    () => {
      const status = readFileSync(`/proc/${web.pid}/status`, 'utf8');
      const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(status)?.[1]?.trim();
      assert.deepEqual(field('Uid')!.split(/\s+/).map(Number), [user!.uid, user!.uid, user!.uid, user!.uid]);
      assert.deepEqual(field('Gid')!.split(/\s+/).map(Number), [user!.gid, user!.gid, user!.gid, user!.gid]);
      assert.equal(field('Groups'), '');
      assert.equal(field('CapEff'), '0000000000000000');
      assert.ok(!readFileSync(`/proc/${web.pid}/environ`, 'utf8').includes(TOKEN), 'no token in its environment');
    },
  );

  test("the collector's events reach the page's snapshot and its event stream", async () => {
    assert.equal((await get('/api/snapshot')).status, 503, 'no snapshot yet');
    hub.push({ type: 'snapshot', data: snapshot('pg1') });
    const first = await eventuallyJson(() => get('/api/snapshot'));
    assert.deepEqual(first, snapshot('pg1'));
    const res = await get('/events');
    const reader = res.body!.getReader();
    const text = await readUntil(reader, /event: snapshot\ndata: .*"pg1"/);
    assert.match(text, /from the collector/);
    hub.push({ type: 'snapshot', data: snapshot('pg2') });
    await readUntil(reader, /"leader":"pg2"/);
    // The open page counts as a viewer of the collector (status at the live pace); the feed does not.
    assert.equal(hub.relays, 1);
    await until(() => hub.remoteViewers === 1);
    await reader.cancel();
    await until(() => hub.remoteViewers === 0);
  });

  test('a switchover asked of the web side runs in the collector; its refusal comes back with message and hint', async () => {
    const post = () =>
      fetch(`${origin}/api/switchover`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ confirm: 'switchover' }),
        signal: AbortSignal.timeout(10_000),
      });
    const ok = await post();
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { from: 'pg1', to: 'pg2', elapsedMs: 1234 });
    hub.answer = () =>
      Promise.reject(new GardenError('CLUSTER_STATE', 'No healthy replica to switch to.', { hint: 'start one' }));
    const refused = await post();
    assert.equal(refused.status, 409);
    assert.deepEqual(await refused.json(), { error: 'No healthy replica to switch to.', hint: 'start one' });
    assert.equal(hub.switchovers, 2);
  });

  test('close ends the web side and frees the port', async () => {
    await web.close();
    assert.match(await web.exited, /exited with code 0/);
    await assert.rejects(get('/api/snapshot'), 'nothing listens any more');
  });
});

/**
 * One HTTP/1.1 request on a raw socket kept alive, as fetch's are: the response once it is whole.
 * A kept-alive connection handed over is what a collector waiting for its accepted connections to end
 * would wait on for ever.
 */
function rawRequest(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () =>
      socket.write('GET /api/snapshot HTTP/1.1\r\nHost: x\r\n\r\n'),
    );
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      text += d;
      const length = /content-length: (\d+)/i.exec(text)?.[1];
      const body = text.indexOf('\r\n\r\n');
      if (length && body >= 0 && Buffer.byteLength(text.slice(body + 4)) >= Number(length)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', reject);
  });
}

/** Waits for a state the web side reports over its channel. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

async function eventuallyJson(fetchOnce: () => Promise<Response>): Promise<unknown> {
  for (;;) {
    const res = await fetchOnce();
    if (res.status === 200) return res.json();
    await res.body?.cancel();
    await new Promise((r) => setImmediate(r));
  }
}

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, pattern: RegExp): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  while (!pattern.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream ended before ${pattern}: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}
