// The dashboard's web side: the HTTP routes on the socket the collector bound, fed over the IPC channel.
// It reads no file of the platform's; the token and the page's assets arrive with the socket.
import type { Server, Socket } from 'node:net';
import { GardenError } from '../errors.js';
import type { LeaderChange } from '../ops/leader-change.js';
import type { DashboardHub, HubEvent } from './hub.js';
import { serveDashboard } from './listen.js';
import type { FromWebSide, ToWebSide } from './privsep-protocol.js';
import { createDashboardApp } from './server.js';
import type { DashboardSnapshot } from './snapshot.js';

/** The hub as the web side sees it: the collector's latest events, and switchovers asked of it. */
export class RemoteHub implements Pick<DashboardHub, 'subscribe' | 'latest' | 'switchover'> {
  private readonly latestOfKind = new Map<HubEvent['type'], HubEvent>();
  private readonly listeners = new Set<(e: HubEvent) => void>();
  private readonly pending = new Map<number, { resolve(v: LeaderChange): void; reject(e: Error): void }>();
  private nextId = 1;

  constructor(private readonly send: (m: FromWebSide) => void) {}

  receive(m: ToWebSide): void {
    if (m.type === 'event') {
      this.latestOfKind.set(m.event.type, m.event);
      for (const l of this.listeners) l(m.event);
    } else if (m.type === 'switchover-result') {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (!p) return;
      if (m.ok) p.resolve(m.value);
      else
        p.reject(
          m.error.code
            ? new GardenError(m.error.code, m.error.message, { hint: m.error.hint ?? '' })
            : new Error(m.error.message),
        );
    }
  }

  subscribe(listener: (e: HubEvent) => void): () => void {
    for (const e of this.latestOfKind.values()) listener(e);
    this.listeners.add(listener);
    this.send({ type: 'viewers', count: this.listeners.size });
    return () => {
      if (this.listeners.delete(listener)) this.send({ type: 'viewers', count: this.listeners.size });
    };
  }

  latest(): DashboardSnapshot | undefined {
    const e = this.latestOfKind.get('snapshot');
    return e?.type === 'snapshot' ? e.data : undefined;
  }

  switchover(): Promise<LeaderChange> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ type: 'switchover', id });
    });
  }

  /** The collector is gone: nothing asked of it will be answered. */
  disconnected(): void {
    for (const p of this.pending.values()) p.reject(new Error('the dashboard collector ended'));
    this.pending.clear();
  }
}

/** Serves until the collector's channel closes. Started only by the collector (privsep.ts). */
export async function runWebSide(channel: NodeJS.Process = process): Promise<void> {
  const send = channel.send?.bind(channel);
  if (!send) {
    throw new GardenError('USAGE', 'gardenos dashboard-web is started by `gardenos dashboard`, not by hand.', {
      hint: 'run `gardenos dashboard` (as root it starts this web side as gardenos-dashboard)',
    });
  }
  if (channel.getuid?.() === 0) {
    throw new GardenError('NOT_ROOT', "The dashboard's web side does not run as root.", {
      hint: '`gardenos dashboard` as root starts it as the gardenos-dashboard user',
    });
  }
  // Ctrl-C reaches the whole foreground group: the collector stops this side, by closing the channel.
  channel.on('SIGINT', () => undefined);
  // After the channel closed, the streams being cut still say goodbye: nobody hears it.
  const hub = new RemoteHub((m) => {
    if (channel.connected) send(m);
  });
  let serving: { close(): Promise<void> } | undefined;
  let connections: ((s: Socket) => void) | undefined;
  const done = new Promise<void>((resolve) => channel.once('disconnect', resolve));
  channel.on('message', (m: ToWebSide, handle: unknown) => {
    if (m.type === 'init' && !serving) {
      const app = createDashboardApp({ token: m.token, port: m.port, hub, assets: m.assets });
      const bound = handle as Server;
      serving = serveDashboard(app, bound);
      connections = (s) => bound.emit('connection', s);
      send({ type: 'serving' });
    } else if (m.type === 'connection' && connections) {
      connections(handle as Socket);
    } else {
      hub.receive(m);
    }
  });
  send({ type: 'ready' });
  await done;
  hub.disconnected();
  await serving?.close();
}
