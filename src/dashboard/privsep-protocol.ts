// The messages between the dashboard's collector (holds the secrets, listens on nothing) and its web
// side (serves HTTP, holds only the token). Node's IPC channel carries them as JSON; the listening
// socket, and any connection the collector accepted before it let go, travel with them as handles.
import type { ErrorCode } from '../errors.js';
import type { LeaderChange } from '../ops/leader-change.js';
import type { HubEvent } from './hub.js';
import type { DashboardAssets } from './server.js';

/** The hidden command the collector starts the web side with (never on the command line: any secret). */
export const WEB_SIDE_COMMAND = 'dashboard-web';

export type ToWebSide =
  /** With the listening socket as its handle. */
  | { type: 'init'; token: string; port: number; assets: DashboardAssets }
  /** A connection the collector accepted before the web side served; the socket is the handle. */
  | { type: 'connection' }
  | { type: 'event'; event: HubEvent }
  | { type: 'switchover-result'; id: number; ok: true; value: LeaderChange }
  | { type: 'switchover-result'; id: number; ok: false; error: WireError };

export type FromWebSide =
  | { type: 'ready' }
  | { type: 'serving' }
  | { type: 'switchover'; id: number }
  /** How many pages hold an event stream: status is read at the live pace only while one does. */
  | { type: 'viewers'; count: number };

/** A GardenError as data: the web side turns it back into one, so the page gets its message and hint. */
export interface WireError {
  code?: ErrorCode;
  message: string;
  hint?: string;
}

/** What the collector accepts from the web side: anything else is dropped, whatever it claims to be. */
export function parseFromWebSide(m: unknown): FromWebSide | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const { type, id, count } = m as { type?: unknown; id?: unknown; count?: unknown };
  if (type === 'ready' || type === 'serving') return { type };
  if (type === 'switchover' && Number.isSafeInteger(id)) return { type, id: id as number };
  if (type === 'viewers' && Number.isSafeInteger(count) && (count as number) >= 0)
    return { type, count: count as number };
  return undefined;
}
