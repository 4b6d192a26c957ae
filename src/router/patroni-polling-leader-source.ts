// LeaderSource that polls Patroni's REST API on an interval: the journal's sidecar behaviour, kept as a
// baseline for the failover benchmark and as a fallback where the router cannot reach etcd.
import { PatroniClusterReader, type ClusterReader } from '../patroni/index.js';
import type { LeaderObservation, LeaderSource } from './types.js';

export class PatroniPollingLeaderSource implements LeaderSource {
  private timer: NodeJS.Timeout | undefined;
  private last: string | null | undefined;
  private polls = 0;
  private readonly reader: ClusterReader;

  /** `apis`: the REST API base URLs from --patroni-apis (the router never reads the spec), or a reader. */
  constructor(
    apis: readonly string[] | ClusterReader,
    private readonly intervalMs: number,
    timeoutMs = 1000,
  ) {
    // Asked in order, the next one when a member does not answer, as the sidecar's curl loop would.
    this.reader =
      'read' in apis
        ? apis
        : new PatroniClusterReader(
            apis.map((url) => ({ name: url, apiUrl: url })),
            timeoutMs,
          );
  }

  async read(): Promise<LeaderObservation> {
    const view = await this.reader.read();
    if (view.source === null) throw new Error('no Patroni member answered /cluster');
    return { leader: view.leader, revision: String(++this.polls), observedAt: performance.now(), cause: 'poll' };
  }

  async start(onChange: (o: LeaderObservation) => void, onError: (err: Error) => void): Promise<void> {
    const tick = async () => {
      try {
        const obs = await this.read();
        if (obs.leader !== this.last) {
          this.last = obs.leader;
          onChange({ ...obs, cause: 'poll saw a new leader', event: true });
        }
      } catch (err) {
        onError(err as Error);
      }
    };
    await tick();
    this.timer = setInterval(() => void tick(), this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }
}
