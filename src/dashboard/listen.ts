// Puts the dashboard's app on its address and port; a port someone else holds is the user's to fix.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
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
  url: string;
  close(): Promise<void>;
}

export function listenDashboard(app: Hono, host: string, port: number): Promise<Listening> {
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
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
    server.listen({ host, port, exclusive: true }, () => {
      resolve({
        url: `http://${host}:${port}/`,
        close: () =>
          new Promise<void>((done) => {
            // Event streams never end on their own: cut them, or close() would wait for every browser.
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
