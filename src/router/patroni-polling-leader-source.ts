// LeaderSource that polls Patroni's REST API on an interval: the journal's sidecar behaviour, kept as a
// baseline for the failover benchmark and as a fallback where the router cannot reach etcd.
import type { LeaderObservation, LeaderSource } from './types.js';

export class PatroniPollingLeaderSource implements LeaderSource {
  private timer: NodeJS.Timeout | undefined;
  private last: string | null | undefined;
  private polls = 0;

  constructor(private readonly apiUrls: string[], private readonly intervalMs: number, private readonly timeoutMs = 1000) {}

  async read(): Promise<LeaderObservation> {
    for (const url of this.apiUrls) {
      try {
        const res = await fetch(`${url}/cluster`, { signal: AbortSignal.timeout(this.timeoutMs) });
        const body = (await res.json()) as { members?: { name: string; role: string }[] };
        const leader = body.members?.find((m) => m.role === 'leader')?.name ?? null;
        return { leader, revision: String(++this.polls), observedAt: performance.now(), cause: 'poll' };
      } catch {
        // try the next member, as the sidecar's curl loop would
      }
    }
    throw new Error('no Patroni member answered /cluster');
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
