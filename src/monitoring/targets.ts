// "Every target is up": Prometheus answers, knows every job, and its last scrape of every target worked.
// Read over its HTTP API; `up` and `provision` wait on it.
import type { Probe } from '../runtime/wait.js';

interface TargetsResponse {
  data?: { activeTargets?: { labels?: Record<string, string>; health?: string; lastError?: string }[] };
}

/** A probe for waitUntil: undefined when every target is up, else what is not, in one line. */
export function prometheusTargetsProbe(prometheusUrl: string, fetchFn: typeof fetch = fetch): Probe {
  return async () => {
    const res = await fetchFn(`${prometheusUrl}/api/v1/targets?state=active`, {
      signal: AbortSignal.timeout(2000),
    }).catch((err: Error) => err);
    if (res instanceof Error) return `Prometheus does not answer yet (${res.message})`;
    if (!res.ok) return `Prometheus answers HTTP ${res.status}`;
    const body = (await res.json()) as TargetsResponse;
    const targets = body.data?.activeTargets ?? [];
    const bad = targets.filter((t) => t.health !== 'up');
    if (targets.length === 0) return 'Prometheus has no targets yet';
    if (bad.length > 0)
      return `not scraped yet: ${bad.map((t) => `${t.labels?.job ?? '?'}/${t.labels?.member ?? '?'} (${t.lastError || t.health || 'unknown'})`).join(', ')}`;
    return undefined;
  };
}
