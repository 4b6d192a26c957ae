// Puts the dashboard's app on its address and port; a port someone else holds is the user's to fix.
// Binding and serving are two steps: as root the collector binds and hands the bound socket to the
// web side, an unprivileged process of its own (privsep.ts), which serves on it.
import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer, type Server, type Socket } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { GardenError } from '../errors.js';
import type { DashboardAssets } from './server.js';

/** uPlot straight from node_modules: no bundler, nothing a fresh clone has to build. */
export function readDashboardAssets(): DashboardAssets {
  const require = createRequire(import.meta.url);
  return {
    uplotJs: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}

export interface Listening {
  close(): Promise<void>;
}

/** A listening socket on host:port with no connection handler yet; a taken port is a GardenError. */
export function bindDashboardPort(host: string, port: number): Promise<Server> {
  const server = createServer({ pauseOnConnect: true });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new GardenError(
            'PORT_IN_USE',
            `Port ${host}:${port} (gardenos dashboard) is already in use. The dashboard did not start; the platform is unaffected.`,
            {
              hint: `stop whatever holds it (\`ss -ltnp 'sport = :${port}'\` shows the owner; an earlier \`gardenos dashboard\` or the one \`up\` started may be running), or choose another with --port N or monitoring.dashboardPort in gardenos.yaml`,
              cause: err,
            },
          ),
        );
      } else reject(err);
    });
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

/** Serves the app on a bound socket: this process's own, or one handed over by the collector. */
export function serveDashboard(app: Hono, bound: Server): Listening {
  const http = createAdaptorServer({ fetch: app.fetch }) as HttpServer;
  // Kept here: an http.Server tracks its connections only once it listens itself, and this one never does.
  const open = new Set<Socket>();
  bound.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    http.emit('connection', socket);
    socket.resume();
  });
  return {
    close: () =>
      new Promise<void>((done) => {
        bound.close(() => done());
        // Event streams never end on their own: cut them, or close() would wait for every browser.
        for (const s of open) s.destroy();
      }),
  };
}
