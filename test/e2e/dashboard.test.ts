// End to end in a real browser (the system Chromium, driven by playwright-core): `up` starts the dashboard
// behind its token; the page shows the leader, follows a CLI switchover with a leader-change entry and its
// measured write gap, shows a stopped replica as down, and does all of it over its event stream, without
// a reload. Screenshots go to docs/dashboard.png and docs/dashboard-after-switchover.png.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DASHBOARD_USER } from '../../src/local/run-as.js';
import { lookupUser } from '../../src/runtime/os-user.js';
import { listeningInodes, listeningPids, socketInodesOf } from '../../src/runtime/proc-table.js';
import { cli, eventually, makeStateParent, pidAlive, processPid, requireStack } from './harness.js';

const BASE = 20500;
const DASHBOARD = BASE + 7;
const ORIGIN = `http://127.0.0.1:${DASHBOARD}`;
const CHROMIUM = '/usr/bin/chromium';
const DOCS = new URL('../../docs/', import.meta.url).pathname;
const stateDir = join(makeStateParent('dashboard'), 'garden');
const flags = ['--state-dir', stateDir, '--base-port', String(BASE)];
/**
 * From `switchover` returning (it returns once writes work on the new leader, so `status` names it by
 * then) to the page showing the new leader and the leader-change entry. The hub reads status every
 * 500 ms and the write probe runs every 100 ms, so about 1 s is expected; 2 s is the promise.
 */
const PAGE_DELAY_BOUND_MS = 2000;

let browser: Browser | undefined;
/** The web side's pid, as root: `down` must end it too. */
let webSide: number | undefined;
let page: Page;
let upOutput = '';
let token = '';
/** As root the dashboard is two processes: the collector (root, listens on nothing) and its web side. */
const AS_ROOT = process.getuid?.() === 0;

interface StatusJson {
  health: string;
  postgres: { leader: string | null; members: { name: string; role: string; state: string }[] };
}

async function status(): Promise<StatusJson> {
  const r = await cli(['status', '--json', ...flags]);
  return JSON.parse(r.stdout) as StatusJson;
}

/** Playwright's own browser cannot be downloaded here: the system's, or a failure that says how to get it. */
function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the dashboard's browser test needs it; install with \`sudo apt-get install -y chromium\` (or \`gardenos setup --with-browser\`)`,
    );
  }
}

/**
 * Code run in the page, as text: the tests are compiled without the DOM's types. Polling a text predicate
 * evaluates it, which the page's CSP forbids; the browser context bypasses the CSP for the test's code only.
 */
const IN_PAGE = {
  leaderIs: (leader: string) =>
    `document.querySelector('[data-testid=leader]')?.textContent === ${JSON.stringify(leader)}`,
  /** A marker a reload would wipe. */
  setMarker: `window.gardenosMarker = 'still here'`,
  navigations: `({ navigations: performance.getEntriesByType('navigation').length, marker: window.gardenosMarker })`,
  /** Notes when the page first shows a leader other than `from`, and a leader-change entry beyond `entries`. */
  noteChange: (from: string, entries: number) => `(() => {
    const look = () => {
      const leader = document.querySelector('[data-testid=leader]')?.textContent;
      if (window.leaderShownAt === undefined && leader && leader !== ${JSON.stringify(from)} && leader !== 'no leader')
        window.leaderShownAt = Date.now();
      if (window.entryShownAt === undefined && document.querySelectorAll('[data-testid=leader-change]').length > ${entries})
        window.entryShownAt = Date.now();
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true });
  })()`,
  allMembersUp: `[...document.querySelectorAll('#members tr')].every((tr) => tr.dataset.health === 'up')`,
  changeShown: `window.leaderShownAt !== undefined && window.entryShownAt !== undefined`,
  shownAt: `({ leader: window.leaderShownAt, entry: window.entryShownAt })`,
};

async function assertNotReloaded(): Promise<void> {
  assert.deepEqual(await page.evaluate(IN_PAGE.navigations), { navigations: 1, marker: 'still here' });
}

/** A line of /proc/PID/status, after its name. */
function procField(pid: number, name: string): string | undefined {
  return new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]?.trim();
}

const leaderOnPage = () => page.locator('[data-testid=leader]').innerText();

describe('the live dashboard in a browser', { timeout: 900_000 }, () => {
  before(async () => {
    requireStack();
    requireChromium();
    const r = await cli(['up', ...flags]);
    upOutput = r.stdout + r.stderr;
    assert.equal(r.code, 0, r.stderr);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await cli(['down', '--purge', '--yes', ...flags]);
    // This platform's web side, not any other platform's on the machine.
    if (webSide !== undefined) assert.ok(!pidAlive(webSide), `down left the web side (pid ${webSide}) running`);
  });

  test('up started it behind its token: 401 and a message that says how to get in; no token on a command line or in up', async () => {
    assert.match(upOutput, new RegExp(`the dashboard answers at ${ORIGIN}/`));
    for (const path of ['/', '/api/snapshot', '/events', '/app.js']) {
      const res = await fetch(`${ORIGIN}${path}`, { signal: AbortSignal.timeout(5000) });
      assert.equal(res.status, 401, path);
      assert.match(await res.text(), /needs its token: run `gardenos dashboard --print-url`/);
    }
    const wrong = await fetch(`${ORIGIN}/?token=wrong`, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
    assert.equal(wrong.status, 401);
    const file = join(stateDir, 'monitoring', 'dashboard-token');
    const st = statSync(file);
    assert.equal(st.mode & 0o777, 0o600);
    token = readFileSync(file, 'utf8').trim();
    const pid = processPid(stateDir, 'dashboard');
    assert.equal(
      statSync(`/proc/${pid}`).uid,
      st.uid,
      "the token file belongs to the user the dashboard's collector runs as",
    );
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    assert.match(cmdline, /gardenos\.js dashboard --state-dir /);
    assert.ok(!cmdline.includes(token), 'no token on the command line');
    assert.ok(!upOutput.includes(token), 'up does not print the token');
    const { stdout } = await cli(['status', ...flags]);
    assert.ok(!stdout.includes(token), 'status does not print the token');
  });

  test(
    "as root: the web server runs as gardenos-dashboard, a child of the collector, and can read none of the platform's secrets",
    { skip: !AS_ROOT && 'the dashboard drops to its own user only when started as root' },
    () => {
      const collector = processPid(stateDir, 'dashboard');
      const user = lookupUser(DASHBOARD_USER)!;
      const holders = listeningPids(DASHBOARD);
      assert.equal(holders.length, 1, `one process holds ${ORIGIN}: ${holders.join(', ')}`);
      const web = holders[0]!;
      webSide = web;
      assert.notEqual(web, collector, 'the collector does not serve');
      assert.equal(procField(web, 'PPid'), String(collector), 'the web side is the collector’s child');
      assert.equal(procField(web, 'Uid'), [user.uid, user.uid, user.uid, user.uid].join('\t'));
      assert.equal(procField(web, 'Groups'), '', 'no supplementary group (root’s are dropped)');
      assert.equal(procField(web, 'CapEff'), '0000000000000000');
      assert.deepEqual(
        [...listeningInodes()].filter((inode) => socketInodesOf(collector).has(inode)),
        [],
        'the collector, which holds the secrets, listens on no TCP port',
      );
      const certs = join(stateDir, 'certs');
      const secretFiles = [
        join(stateDir, 'secrets.json'),
        join(stateDir, 'monitoring', 'dashboard-token'),
        ...readdirSync(certs)
          .filter((f) => f.endsWith('.key'))
          .map((f) => join(certs, f)),
      ];
      assert.ok(secretFiles.length >= 3, secretFiles.join(', '));
      for (const file of secretFiles) {
        const r = spawnSync('head', ['-c', '1', file], { uid: user.uid, gid: user.gid, encoding: 'utf8' });
        assert.notEqual(r.status, 0, `${DASHBOARD_USER} read ${file}`);
        assert.match(r.stderr, /Permission denied/, file);
      }
    },
  );

  test('--print-url prints the URL with the token; a switchover needs a JSON confirmation', async () => {
    const r = await cli(['dashboard', '--print-url', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `${ORIGIN}/?token=${encodeURIComponent(token)}`);
    const bearer = { authorization: `Bearer ${token}` };
    const snap = await fetch(`${ORIGIN}/api/snapshot`, { headers: bearer, signal: AbortSignal.timeout(5000) });
    assert.equal(snap.status, 200);
    // Read-only unless asked: a bare POST (a form on another site, say) is refused and nothing changes.
    const bare = await fetch(`${ORIGIN}/api/switchover`, {
      method: 'POST',
      headers: bearer,
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(bare.status, 400);
  });

  test('the page, opened by that URL, shows the current leader and every member', async () => {
    const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 }, bypassCSP: true });
    page = await context.newPage();
    const url = (await cli(['dashboard', '--print-url', ...flags])).stdout.trim();
    await page.goto(url);
    // The token went into a cookie and off the address bar.
    assert.equal(page.url(), `${ORIGIN}/`);
    const s = await eventually(status, (x) => x.health === 'healthy' && x.postgres.leader !== null, 60_000);
    await page.waitForFunction(IN_PAGE.leaderIs(s.postgres.leader!), undefined, { timeout: 30_000 });
    assert.equal(await page.locator('#members tr').count(), s.postgres.members.length);
    for (const m of s.postgres.members) {
      assert.equal(await page.locator(`[data-testid=member-${m.name}]`).getAttribute('data-health'), 'up', m.name);
    }
    // Checked after every later step: the page changes over its event stream, never by a reload.
    await page.evaluate(IN_PAGE.setMarker);
    // Monitoring is on: the metrics come from the platform's Prometheus (charts fill as samples arrive).
    await page.waitForSelector('[data-testid=chart-commits]', { timeout: 60_000 });
    assert.match(await page.locator('[data-testid=monitoring-message]').innerText(), /^Prometheus at /);
    mkdirSync(DOCS, { recursive: true });
    await page.screenshot({ path: join(DOCS, 'dashboard.png'), fullPage: true });
  });

  test('after `gardenos switchover`: the new leader and a leader-change entry with its write gap, within 2 s, no reload', async () => {
    const before = await eventually(
      status,
      (x) => x.health === 'healthy' && x.postgres.members.some((m) => m.role === 'sync_standby'),
      90_000,
    );
    const from = before.postgres.leader!;
    const entriesBefore = await page.locator('[data-testid=leader-change]').count();
    // The page notes when it shows each change (same machine, same clock): no polling delay in the figure.
    await page.evaluate(IN_PAGE.noteChange(from, entriesBefore));
    const sw = await cli(['switchover', '--yes', ...flags]);
    const returnedAt = Date.now();
    assert.equal(sw.code, 0, sw.stderr);
    const after = await eventually(status, (x) => x.postgres.leader !== null && x.postgres.leader !== from, 30_000);
    const statusAt = Date.now();
    const to = after.postgres.leader!;
    await page.waitForFunction(IN_PAGE.changeShown, undefined, { timeout: 30_000 });
    const shown = await page.evaluate<{ leader: number; entry: number }>(IN_PAGE.shownAt);
    const shownAt = Math.max(shown.leader, shown.entry);
    const delayMs = Math.max(0, shownAt - returnedAt);
    console.log(
      `page delay after the switchover returned: ${delayMs} ms (leader ${shown.leader - returnedAt} ms, entry ${shown.entry - returnedAt} ms; status named ${to} ${statusAt - returnedAt} ms after)`,
    );
    assert.ok(delayMs <= PAGE_DELAY_BOUND_MS, `the page showed the change ${delayMs} ms after the switchover returned`);
    assert.equal(await leaderOnPage(), to);
    const entry = page.locator('[data-testid=leader-change]').first();
    assert.match(await entry.innerText(), new RegExp(`${from} → ${to}, write gap \\d+\\.\\d\\d s`));
    const gap = Number((await entry.locator('[data-testid=gap]').innerText()).replace(' s', ''));
    assert.ok(gap > 0 && gap < 30, `a measured gap (${gap} s)`);
    await assertNotReloaded();
    // The old leader restarts as a replica (it shows `stopped` for a moment): the screenshot once it streams.
    await page.waitForFunction(IN_PAGE.allMembersUp, undefined, { timeout: 90_000 });
    await page.screenshot({ path: join(DOCS, 'dashboard-after-switchover.png'), fullPage: true });
  });

  test('a stopped replica shows as down, still without a reload', async () => {
    const s = await status();
    const replica = s.postgres.members.find((m) => m.name !== s.postgres.leader)!.name;
    const pid = processPid(stateDir, `patroni-${replica}`);
    // Patroni's own shutdown: it stops its PostgreSQL and takes its member key out of etcd.
    process.kill(pid, 'SIGTERM');
    await eventually(
      async () => pidAlive(pid),
      (alive) => !alive,
      60_000,
    );
    await page.waitForSelector(`[data-testid=member-${replica}][data-health=down]`, { timeout: 60_000 });
    assert.match(await page.locator(`[data-testid=state-${replica}]`).innerText(), /^down \(/);
    await page.waitForSelector(`#processes li.down`, { timeout: 30_000 });
    assert.match(await page.locator('#processes').innerText(), new RegExp(`patroni-${replica} stopped`));
    await assertNotReloaded();
  });
});
