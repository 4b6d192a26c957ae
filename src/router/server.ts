// The router's HTTP endpoint: /metrics for Prometheus, /status for `gardenos status`, /pooler, /healthz.
import { createServer, type Server } from 'node:http';
import type { PoolerStatus } from '../ops/pooler-status.js';
import type { RouterMetrics } from './metrics.js';
import type { RouterView } from './router.js';

export function startRouterServer(
  host: string,
  port: number,
  metrics: RouterMetrics,
  view: () => RouterView,
  /** PgBouncer on the same host: /pooler answers with its state (status and doctor read it across hosts). */
  pooler?: () => Promise<PoolerStatus>,
): Promise<Server> {
  const server = createServer((req, res) => {
    void (async () => {
      if (req.url === '/metrics') {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(await metrics.registry.metrics());
      } else if (req.url === '/status') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(view()));
      } else if (req.url === '/pooler' && pooler) {
        const body = JSON.stringify(await pooler());
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      } else if (req.url === '/healthz') {
        res.writeHead(200).end('ok\n');
      } else {
        res.writeHead(404).end('not found\n');
      }
    })().catch((err: Error) => res.writeHead(500).end(err.message));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
