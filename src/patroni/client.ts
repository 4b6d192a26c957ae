// Patroni REST API client: cluster view, health endpoints, switchover and failover. Every call has a timeout.
import { GardenError, describeCause, type GardenErrorOptions } from '../errors.js';
import { request, type HttpResponse, type TlsMaterial } from '../net/http.js';

export interface PatroniMember {
  name: string;
  role: string;
  state: string;
  host: string;
  port: number;
  api_url?: string;
  timeline?: number;
  lag?: number | string;
}

export interface PatroniCluster {
  members: PatroniMember[];
}

export interface PatroniAuth {
  username: string;
  password: string;
}

const DEFAULT_TIMEOUT_MS = 3000;

const ok = (res: HttpResponse) => res.status >= 200 && res.status < 300;

/**
 * Why a Patroni call failed, for callers that decide on it: `unreachable` (no HTTP answer at all),
 * `dcs-unavailable` (503 because Patroni could not write to etcd, as when its etcd member just died;
 * nothing was scheduled, so a retry is safe), or `refused` (any other HTTP error).
 */
export type PatroniFailure = 'unreachable' | 'dcs-unavailable' | 'refused';

export class PatroniApiError extends GardenError {
  constructor(
    readonly failure: PatroniFailure,
    readonly status: number | undefined,
    message: string,
    options: GardenErrorOptions,
  ) {
    super('PATRONI_API', message, options);
    this.name = 'PatroniApiError';
  }
}

export class PatroniClient {
  constructor(
    readonly apiUrl: string,
    private readonly auth?: PatroniAuth,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
    /** Our CA (and the operator's client certificate) where the API is served over https. */
    private readonly tls?: TlsMaterial,
  ) {}

  async cluster(): Promise<PatroniCluster> {
    const res = await this.request('GET', '/cluster');
    if (!ok(res)) throw this.apiError('GET /cluster', res.status, res.text);
    return JSON.parse(res.text) as PatroniCluster;
  }

  /** HTTP status of a health endpoint such as /primary, /replica, /health: 200 yes, 503 no. */
  async health(path: string): Promise<number> {
    return (await this.request('GET', path)).status;
  }

  async switchover(body: { leader: string; candidate?: string }): Promise<string> {
    return this.post('/switchover', body);
  }

  async failover(body: { candidate: string }): Promise<string> {
    return this.post('/failover', body);
  }

  private async post(path: string, body: object): Promise<string> {
    const res = await this.request('POST', path, body);
    if (!ok(res)) throw this.apiError(`POST ${path}`, res.status, res.text);
    return res.text;
  }

  private async request(method: string, path: string, body?: object): Promise<HttpResponse> {
    const headers: Record<string, string> = {};
    if (body) headers['content-type'] = 'application/json';
    if (this.auth && method !== 'GET') {
      headers.authorization = 'Basic ' + Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64');
    }
    try {
      return await request(this.apiUrl + path, {
        method,
        headers,
        timeoutMs: this.timeoutMs,
        ...(body ? { body: JSON.stringify(body) } : {}),
        ...(this.tls ? { tls: this.tls } : {}),
      });
    } catch (cause) {
      throw new PatroniApiError(
        'unreachable',
        undefined,
        `Patroni at ${this.apiUrl} did not answer ${method} ${path}: ${describeCause(cause)}.`,
        {
          hint: 'check that this Patroni member runs (`gardenos status`, `gardenos logs <node>`)',
          cause,
        },
      );
    }
  }

  private apiError(what: string, status: number, text: string): PatroniApiError {
    // Patroni's only signal for a failed DCS write is its 503 body ("failed to write failover key into DCS"); read it here, once.
    const failure: PatroniFailure = status === 503 && /DCS/.test(text) ? 'dcs-unavailable' : 'refused';
    return new PatroniApiError(
      failure,
      status,
      `Patroni at ${this.apiUrl} refused ${what} (HTTP ${status}): ${text.trim()}.`,
      {
        hint:
          status === 401
            ? "the REST API credentials do not match this platform's secrets"
            : 'see `gardenos status` for the cluster state and retry',
      },
    );
  }
}
