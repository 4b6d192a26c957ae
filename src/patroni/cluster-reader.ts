// The one walk over Patroni's `/cluster`: ask each member in turn, keep the first answer, say who answered and why the others did not.
import { GardenError, describeCause } from '../errors.js';
import { PatroniApiError, PatroniClient, type PatroniCluster } from './client.js';

/** One member as Patroni's `/cluster` reports it. */
export interface ClusterMember {
  name: string;
  /** leader, standby_leader, replica, sync_standby, ... as Patroni names it. */
  role: string;
  /** running, streaming, starting, stopped, ... */
  state: string;
  timeline: number | null;
  /** Bytes behind the leader; Patroni writes a string ("unknown") when it cannot tell; null when it reports none (the leader). */
  lag: number | string | null;
}

/** A member that was asked and did not answer. */
export interface MemberReadError {
  member: string;
  error: GardenError;
}

export interface ClusterView {
  /** The member holding the leader lock (role `leader`), null when none does or nobody answered. */
  leader: string | null;
  members: ClusterMember[];
  /** The member whose answer this is; null when no member asked answered (members is then empty). */
  source: string | null;
  /** Members asked that answered, in the order asked (more than one when `accept` turned an answer down). */
  answered: string[];
  /** Members asked that did not answer, in the order asked. */
  errors: MemberReadError[];
}

export interface ReadClusterOptions {
  /** A member not to ask (one being taken down on purpose). */
  skip?: string;
  /** Keep walking past an answer that fails this (say, one without a leader yet). */
  accept?: (view: ClusterView) => boolean;
}

/** Who leads, who streams: the narrow interface every command reads the cluster through; tests pass a fake. */
export interface ClusterReader {
  read(opts?: ReadClusterOptions): Promise<ClusterView>;
}

/** A member's REST API, by name. */
export interface PatroniApi {
  name: string;
  apiUrl: string;
}

/** GET /cluster of one API; throws a GardenError when it does not answer. */
export type FetchCluster = (apiUrl: string, timeoutMs: number) => Promise<PatroniCluster>;

const fetchWithClient: FetchCluster = (apiUrl, timeoutMs) => new PatroniClient(apiUrl, undefined, timeoutMs).cluster();

/** Reads the cluster from the first of `apis` that answers, in order. */
export class PatroniClusterReader implements ClusterReader {
  constructor(
    private readonly apis: readonly PatroniApi[],
    private readonly timeoutMs: number,
    private readonly fetchCluster: FetchCluster = fetchWithClient,
  ) {}

  async read(opts: ReadClusterOptions = {}): Promise<ClusterView> {
    const answered: string[] = [];
    const errors: MemberReadError[] = [];
    let last: ClusterView | undefined;
    for (const api of this.apis) {
      if (api.name === opts.skip) continue;
      let cluster: PatroniCluster;
      try {
        cluster = await this.fetchCluster(api.apiUrl, this.timeoutMs);
      } catch (err) {
        errors.push({ member: api.name, error: asGardenError(err, api.apiUrl) });
        continue;
      }
      answered.push(api.name);
      last = viewOf(cluster, api.name, answered, errors);
      if (!opts.accept || opts.accept(last)) return last;
    }
    // Every answer was turned down: the last one is still the freshest picture there is.
    return last ?? { leader: null, members: [], source: null, answered, errors };
  }
}

function viewOf(cluster: PatroniCluster, source: string, answered: string[], errors: MemberReadError[]): ClusterView {
  const members = (cluster.members ?? []).map((m): ClusterMember => ({
    name: m.name,
    role: m.role,
    state: m.state,
    timeline: m.timeline ?? null,
    lag: m.lag ?? null,
  }));
  return {
    leader: members.find((m) => m.role === 'leader')?.name ?? null,
    members,
    source,
    answered: [...answered],
    errors: [...errors],
  };
}

function asGardenError(err: unknown, apiUrl: string): GardenError {
  if (err instanceof GardenError) return err;
  return new PatroniApiError(
    'unreachable',
    undefined,
    `Patroni at ${apiUrl} did not answer GET /cluster: ${describeCause(err)}.`,
    {
      hint: 'check that this Patroni member runs (`gardenos status`, `gardenos logs <node>`)',
      cause: err,
    },
  );
}

/** Why nobody answered, in one line: the last member's error (what callers showed before there was a reader). */
export function lastReadError(view: ClusterView): GardenError | undefined {
  return view.errors[view.errors.length - 1]?.error;
}
