// LeaderSource on etcd: read the Patroni leader key, then watch from revision + 1; rebuild on any watch error.
import type { Etcd3, Watcher } from 'etcd3';
import type { LeaderObservation, LeaderSource } from './types.js';

const BACKOFF_MS = [100, 200, 500, 1000, 2000];

export class EtcdLeaderSource implements LeaderSource {
  private watcher: Watcher | undefined;
  private stopped = false;
  private failures = 0;
  private onChange: (o: LeaderObservation) => void = () => undefined;
  private onWatchError: (err: Error) => void = () => undefined;

  /** `client` must put a deadline on every unary call (see fastEtcdClient). */
  constructor(
    private readonly client: Etcd3,
    private readonly leaderKey: string,
  ) {}

  async read(): Promise<LeaderObservation> {
    const res = await this.client.get(this.leaderKey).exec();
    const value = res.kvs[0]?.value.toString('utf8');
    return { leader: value ?? null, revision: res.header.revision, observedAt: performance.now(), cause: 'read' };
  }

  async start(onChange: (o: LeaderObservation) => void, onWatchError: (err: Error) => void): Promise<void> {
    this.onChange = onChange;
    this.onWatchError = onWatchError;
    await this.rebuild('initial read');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.watcher?.cancel().catch(() => undefined);
    this.watcher = undefined;
  }

  /** Fresh read, then a watch from exactly the next revision: no event between them can be missed. */
  private async rebuild(cause: string): Promise<void> {
    while (!this.stopped) {
      try {
        const first = await this.read();
        this.onChange({ ...first, cause });
        const watcher = await this.client
          .watch()
          .key(this.leaderKey)
          .startRevision(String(BigInt(first.revision) + 1n))
          .create();
        if (this.stopped) {
          await watcher.cancel();
          return;
        }
        watcher.on('put', (kv) =>
          this.onChange({
            leader: kv.value.toString('utf8'),
            revision: kv.mod_revision,
            observedAt: performance.now(),
            cause: 'leader key changed',
            event: true,
          }),
        );
        watcher.on('delete', (kv) =>
          this.onChange({
            leader: null,
            revision: kv.mod_revision,
            observedAt: performance.now(),
            cause: 'leader key deleted',
            event: true,
          }),
        );
        // The library would reconnect by itself; we rebuild from a fresh read instead, so a
        // compacted revision or a missed window can never leave us on a stale leader.
        const fail = (err: Error) => void this.fail(watcher, err);
        watcher.on('disconnected', fail);
        watcher.on('error', fail);
        this.watcher = watcher;
        this.failures = 0;
        return;
      } catch (err) {
        this.onWatchError(err as Error);
        await sleep(BACKOFF_MS[Math.min(this.failures++, BACKOFF_MS.length - 1)]!);
      }
    }
  }

  private async fail(watcher: Watcher, err: Error): Promise<void> {
    if (this.watcher !== watcher || this.stopped) return;
    this.watcher = undefined;
    this.onWatchError(err);
    watcher.removeAllListeners();
    await watcher.cancel().catch(() => undefined);
    await sleep(BACKOFF_MS[Math.min(this.failures++, BACKOFF_MS.length - 1)]!);
    await this.rebuild('watch rebuilt after error');
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
