// Privilege separation for the dashboard run as root (the pattern of OpenSSH and Postfix): the
// collector keeps root, reads the secrets, runs status, doctor, the write probe and the switchover,
// and listens on nothing; the web side, a process of its own as an unprivileged user with no
// supplementary groups, serves HTTP on the socket the collector bound, and holds only the token. A
// web side taken over can do what a token holder can (read the page, ask for one switchover at a
// time), never read a secret, the etcd keys or the data dirs.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Server, Socket } from 'node:net';
import { describeCause, GardenError, isGardenError } from '../errors.js';
import type { OsUser } from '../runtime/os-user.js';
import { GARDENOS_BIN } from '../runtime/install-paths.js';
import type { DashboardHub } from './hub.js';
import { parseFromWebSide, WEB_SIDE_COMMAND, type ToWebSide } from './privsep-protocol.js';
import type { DashboardAssets } from './server.js';

export interface WebSideOptions {
  /** Who serves: undefined keeps this process's user (for tests run unprivileged). */
  user: OsUser | undefined;
  /** The listening socket, bound by this process; it is closed here once the web side serves on it. */
  bound: Server;
  token: string;
  port: number;
  assets: DashboardAssets;
  hub: Pick<DashboardHub, 'subscribe' | 'switchover' | 'setRemoteViewers'>;
  log(line: string): void;
  /** How long the web side may take to load and serve, on a busy machine. */
  startTimeoutMs?: number;
}

export interface WebSide {
  readonly pid: number;
  /** Settles when the web side ends, with how it ended. */
  readonly exited: Promise<string>;
  close(): Promise<void>;
}

export async function startWebSide(o: WebSideOptions): Promise<WebSide> {
  const who = o.user ? `as ${o.user.name}` : 'as this user';
  // Only what node needs: no secret, no HOME of root's, cwd where nothing of the platform's is.
  const child = spawn(process.execPath, [GARDENOS_BIN, WEB_SIDE_COMMAND], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', LANG: 'C.UTF-8' },
    // libuv calls setgroups(0) before setgid/setuid: root's supplementary groups go too.
    ...(o.user ? { uid: o.user.uid, gid: o.user.gid } : {}),
  });
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exited with code ${code}`));
    child.once('error', (err) => resolve(`could not start: ${describeCause(err)}`));
  });
  // Connections this process accepted before letting the socket go are handed over, unread.
  const early: Socket[] = [];
  let serving = false;
  o.bound.on('connection', (socket) => {
    if (serving) send(child, { type: 'connection' }, socket);
    else early.push(socket);
  });
  try {
    await step(child, 'ready', exited, o.startTimeoutMs ?? 60_000, who);
    send(child, { type: 'init', token: o.token, port: o.port, assets: o.assets }, o.bound);
    await step(child, 'serving', exited, o.startTimeoutMs ?? 60_000, who);
  } catch (err) {
    child.kill('SIGKILL');
    for (const s of early) s.destroy();
    throw err;
  }
  serving = true;
  for (const s of early.splice(0)) send(child, { type: 'connection' }, s);
  // Stops accepting here at once. Not awaited: the close callback waits for connections this process
  // accepted, and one handed over is never counted as ended here.
  o.bound.close();

  // A relay, not a viewer: the web side says how many pages it serves.
  const unsubscribe = o.hub.subscribe((event) => send(child, { type: 'event', event }), { viewer: false });
  child.on('message', (raw) => {
    const m = parseFromWebSide(raw);
    if (m?.type === 'viewers') o.hub.setRemoteViewers(m.count);
    if (m?.type !== 'switchover') return;
    o.hub.switchover().then(
      (value) => send(child, { type: 'switchover-result', id: m.id, ok: true, value }),
      (err: unknown) =>
        send(child, {
          type: 'switchover-result',
          id: m.id,
          ok: false,
          error: isGardenError(err)
            ? { code: err.code, message: err.message, hint: err.hint }
            : { message: describeCause(err) },
        }),
    );
  });
  void exited.then(() => {
    unsubscribe();
    o.hub.setRemoteViewers(0);
  });
  o.log(`the web side serves ${who} (pid ${child.pid}); this process holds the secrets and listens on nothing`);
  return {
    pid: child.pid!,
    exited,
    close: async () => {
      unsubscribe();
      // The web side ends when its channel closes; a stuck one is killed.
      if (child.connected) child.disconnect();
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([
        exited.then(() => false),
        new Promise((r) => (timer = setTimeout(() => r(true), 3000))),
      ]);
      clearTimeout(timer);
      if (late) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

function send(child: ChildProcess, m: ToWebSide, handle?: Server | Socket): void {
  // A web side that is ending takes nothing more; its exit is reported through `exited`.
  if (!child.connected) return;
  child.send(m, handle as Socket | undefined, () => undefined);
}

function step(
  child: ChildProcess,
  type: 'ready' | 'serving',
  exited: Promise<string>,
  timeoutMs: number,
  who: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) =>
      reject(
        new GardenError(
          'START_FAILED',
          `The dashboard's web side (${who}) did not start: it ${why}. The dashboard did not start; the platform is unaffected.`,
          {
            hint: `its own error is above in the dashboard's log (\`gardenos logs dashboard\`); the gardenos installation (${GARDENOS_BIN} and node_modules) must be readable by that user`,
          },
        ),
      );
    const timer = setTimeout(() => fail(`sent nothing for ${timeoutMs / 1000} s`), timeoutMs);
    const onMessage = (raw: unknown) => {
      if (parseFromWebSide(raw)?.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
    void exited.then((why) => {
      clearTimeout(timer);
      fail(why);
    });
  });
}
