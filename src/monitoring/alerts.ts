// The firing alerts of the platform's Prometheus: read over its HTTP API, shaped for status, doctor and the dashboard.
import { describeCause } from '../errors.js';
import { request, type HttpResponse } from '../net/http.js';

/** One alert of GET /api/v1/alerts as Prometheus returns it. */
export interface PromAlert {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  state?: string;
  activeAt?: string;
}

export interface AlertView {
  name: string;
  severity: string;
  summary: string;
  /** What to do (the rule's `fix` annotation); '' when it has none. */
  fix: string;
  since: string | null;
}

/** Firing alerts only (pending ones have not held for their `for:` yet), by severity then name. */
export function firingAlerts(alerts: readonly PromAlert[]): AlertView[] {
  const rank = (s: string) => (s === 'critical' ? 0 : s === 'warning' ? 1 : 2);
  return alerts
    .filter((a) => a.state === 'firing')
    .map((a) => ({
      name: a.labels?.alertname ?? '(unnamed)',
      severity: a.labels?.severity ?? 'none',
      summary: a.annotations?.summary ?? a.annotations?.description ?? '',
      fix: a.annotations?.fix ?? '',
      since: a.activeAt ?? null,
    }))
    .sort((a, b) => rank(a.severity) - rank(b.severity) || a.name.localeCompare(b.name));
}

/** One GET; node:http, not fetch, whose first use costs a short command such as `status` about 40 ms. */
export type HttpGet = (url: string, timeoutMs: number) => Promise<HttpResponse>;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export type AlertsRead = { ok: true; alerts: AlertView[] } | { ok: false; error: string };

/** GET /api/v1/alerts with a timeout; never throws (an unreachable Prometheus is an answer too). */
export async function readFiringAlerts(
  prometheusUrl: string,
  timeoutMs = 1500,
  get: HttpGet = (url, t) => request(url, { timeoutMs: t }),
): Promise<AlertsRead> {
  try {
    const res = await get(`${prometheusUrl}/api/v1/alerts`, timeoutMs);
    const body = parseJson(res.text) as
      { status?: string; data?: { alerts?: PromAlert[] }; error?: string } | undefined;
    if (res.status >= 300 || body?.status !== 'success') {
      return { ok: false, error: `HTTP ${res.status}${body?.error ? `: ${body.error}` : ''}` };
    }
    return { ok: true, alerts: firingAlerts(body.data?.alerts ?? []) };
  } catch (err) {
    return { ok: false, error: describeCause(err) };
  }
}
