// The dashboard's HTTP routes (Hono): the token gate, the page and its assets, the event stream, the switchover.
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { describeCause, isGardenError } from '../errors.js';
import type { DashboardHub, HubEvent } from './hub.js';
import { PAGE_HTML } from './page-html.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';
import { admit, TOKEN_COOKIE, UNAUTHORIZED_TEXT } from './token.js';

export interface DashboardAssets {
  uplotJs: string;
  uplotCss: string;
}

export interface AppOptions {
  token: string;
  /** Cookies are per host, not per port: the port in the name keeps two platforms' dashboards apart. */
  port: number;
  hub: Pick<DashboardHub, 'subscribe' | 'latest' | 'switchover'>;
  assets: DashboardAssets;
  /** How long the stream stays silent before a comment line keeps proxies and browsers from closing it. */
  keepaliveMs?: number;
}

const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  // No inline script or style: the page's code comes from this server only.
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

export function createDashboardApp(opts: AppOptions): Hono {
  const app = new Hono();
  const cookieName = `${TOKEN_COOKIE}_${opts.port}`;

  app.use('*', async (c, next) => {
    const admission = admit(
      {
        query: c.req.query('token'),
        cookie: getCookie(c, cookieName),
        authorization: c.req.header('authorization'),
      },
      opts.token,
    );
    if (!admission.ok) return c.text(UNAUTHORIZED_TEXT, 401, SECURITY_HEADERS);
    if (admission.via === 'query') {
      setCookie(c, cookieName, opts.token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      // Off the address bar and the history once the cookie holds it.
      if (c.req.method === 'GET') return c.redirect(c.req.path, 302);
    }
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
    await next();
  });

  const asset = (body: string, type: string) => (c: Context) => c.body(body, 200, { 'Content-Type': type });
  app.get('/', asset(PAGE_HTML, 'text/html; charset=utf-8'));
  app.get('/app.js', asset(PAGE_SCRIPT, 'text/javascript; charset=utf-8'));
  app.get('/app.css', asset(PAGE_STYLE, 'text/css; charset=utf-8'));
  app.get('/vendor/uplot.js', asset(opts.assets.uplotJs, 'text/javascript; charset=utf-8'));
  app.get('/vendor/uplot.css', asset(opts.assets.uplotCss, 'text/css; charset=utf-8'));

  app.get('/api/snapshot', (c) => {
    const s = opts.hub.latest();
    return s ? c.json(s) : c.json({ error: 'no status read yet' }, 503);
  });

  app.get('/events', (c) =>
    streamSSE(c, async (stream) => {
      const queue: HubEvent[] = [];
      let wake: (() => void) | undefined;
      let closed = false;
      // Only the newest of each kind waits: a slow browser gets the present, not a backlog.
      const unsubscribe = opts.hub.subscribe((e) => {
        const i = queue.findIndex((q) => q.type === e.type);
        if (i >= 0) queue[i] = e;
        else queue.push(e);
        wake?.();
      });
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      try {
        while (!closed) {
          for (let e = queue.shift(); e; e = queue.shift()) {
            await stream.writeSSE({ event: e.type, data: JSON.stringify(e.data) });
          }
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((r) => {
            wake = r;
            timer = setTimeout(r, opts.keepaliveMs ?? 15_000);
          });
          clearTimeout(timer);
          if (queue.length === 0 && !closed) await stream.write(': keepalive\n\n');
        }
      } finally {
        unsubscribe();
      }
    }),
  );

  app.post('/api/switchover', async (c) => {
    // The page's confirmation travels as a JSON body: a form on another site cannot send that without CORS.
    const body = (await c.req.json().catch(() => undefined)) as { confirm?: unknown } | undefined;
    if (!c.req.header('content-type')?.startsWith('application/json') || body?.confirm !== 'switchover') {
      return c.json(
        {
          error: 'A switchover needs the confirmation {"confirm":"switchover"} as JSON.',
          hint: 'use the page’s button',
        },
        400,
      );
    }
    try {
      return c.json(await opts.hub.switchover());
    } catch (err) {
      if (isGardenError(err)) return c.json({ error: err.message, hint: err.hint }, 409);
      return c.json({ error: describeCause(err), hint: 'see the dashboard log and `gardenos status`' }, 500);
    }
  });

  return app;
}
