// "The dashboard answers": it refuses a request without its token and serves one with it.
import type { Probe } from '../runtime/index.js';

/**
 * 401 without the token and 200 with it on /api/snapshot: the server listens, the gate is on, it read
 * the same token file as `up`, and its first status read is done (until then it answers 503).
 */
export function dashboardReadyProbe(url: string, token: string, timeoutMs = 2000): Probe {
  const api = new URL('api/snapshot', url).toString();
  const get = async (headers: Record<string, string>) => {
    const res = await fetch(api, { headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.status;
  };
  return async () => {
    const anonymous = await get({}).catch((err: Error) => err);
    if (anonymous instanceof Error) return `the dashboard does not answer yet (${anonymous.message})`;
    if (anonymous !== 401) return `the dashboard answers HTTP ${anonymous} without its token; it must refuse with 401`;
    const admitted = await get({ authorization: `Bearer ${token}` }).catch((err: Error) => err);
    if (admitted instanceof Error) return `the dashboard does not answer yet (${admitted.message})`;
    if (admitted === 503) return 'the dashboard has not read the platform status yet';
    if (admitted === 401) return 'the dashboard refuses the token in its token file (was the file replaced?)';
    if (admitted !== 200) return `the dashboard answers HTTP ${admitted} with its token`;
    return undefined;
  };
}
