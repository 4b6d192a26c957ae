// Reads the charts' series and the firing alerts from the platform's Prometheus over its HTTP API.
import { describeCause } from '../errors.js';
import { alignMatrix, CHARTS, firingAlerts, type MatrixSeries, type MonitoringView } from './charts.js';

export interface MetricsSource {
  /** The charts over the last `windowS` seconds and the firing alerts; never throws. */
  read(nowMs: number): Promise<MonitoringView>;
}

interface PromAnswer<T> {
  status: string;
  data?: T;
  error?: string;
}

export class PrometheusMetricsSource implements MetricsSource {
  constructor(
    private readonly baseUrl: string,
    private readonly stepS: number,
    private readonly windowS = 900,
    private readonly timeoutMs = 2000,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  private async get<T>(path: string): Promise<T> {
    const res = await this.fetchFn(`${this.baseUrl}${path}`, { signal: AbortSignal.timeout(this.timeoutMs) });
    const body = (await res.json().catch(() => ({ status: 'error', error: `HTTP ${res.status}` }))) as PromAnswer<T>;
    if (body.status !== 'success' || body.data === undefined) {
      throw new Error(`${path.split('?')[0]}: ${body.error ?? `HTTP ${res.status}`}`);
    }
    return body.data;
  }

  async read(nowMs: number): Promise<MonitoringView> {
    // The grid is on whole steps so that two reads a few seconds apart share their points.
    const end = Math.floor(nowMs / 1000 / this.stepS) * this.stepS;
    const grid = { start: end - this.windowS, end, step: this.stepS };
    try {
      const [alerts, ...charts] = await Promise.all([
        this.get<{ alerts: Parameters<typeof firingAlerts>[0] }>('/api/v1/alerts'),
        ...CHARTS.map(async (c) => {
          const q = new URLSearchParams({
            query: c.rule,
            start: String(grid.start),
            end: String(grid.end),
            step: String(grid.step),
          });
          const data = await this.get<{ result: MatrixSeries[] }>(`/api/v1/query_range?${q}`);
          return alignMatrix(c, data.result, grid);
        }),
      ]);
      return { state: 'ok', message: `Prometheus at ${this.baseUrl}`, charts, alerts: firingAlerts(alerts.alerts) };
    } catch (err) {
      return {
        state: 'unreachable',
        message: `Prometheus at ${this.baseUrl} did not answer (${describeCause(err)}): no charts or alerts until it does (\`gardenos up\` starts it again).`,
      };
    }
  }
}

/** monitoring.enabled is off: nothing to ask. */
export const monitoringOff: MetricsSource = {
  read: () =>
    Promise.resolve({
      state: 'off',
      message:
        'monitoring off: monitoring.enabled is false in the spec, so there is no Prometheus for charts or alerts',
    }),
};
