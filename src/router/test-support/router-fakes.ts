// Fakes for Router unit tests: a leader source the test pushes observations into, an in-memory route
// target that records every apply, a confirmer the test controls, and a log that keeps the sentences.
import type {
  ActualRoutes,
  DecisionLog,
  LeaderConfirmer,
  LeaderObservation,
  LeaderSource,
  PrimaryRoute,
  RouteTarget,
} from '../types.js';

const turn = () => new Promise<void>((r) => setImmediate(r));

export class FakeLeaderSource implements LeaderSource {
  private current: { leader: string | null; revision: number };
  private onChange: ((o: LeaderObservation) => void) | undefined;
  private onError: ((err: Error) => void) | undefined;
  reads = 0;

  constructor(leader: string | null, revision: number) {
    this.current = { leader, revision };
  }

  async read(): Promise<LeaderObservation> {
    this.reads++;
    await turn();
    return {
      leader: this.current.leader,
      revision: String(this.current.revision),
      observedAt: performance.now(),
      cause: 'read',
    };
  }

  async start(onChange: (o: LeaderObservation) => void, onWatchError: (err: Error) => void): Promise<void> {
    this.onChange = onChange;
    this.onError = onWatchError;
    onChange({ ...(await this.read()), cause: 'initial read' });
  }

  async stop(): Promise<void> {
    this.onChange = undefined;
  }

  /** A watch event: the key changed and the router hears about it. */
  push(leader: string | null, revision: number): void {
    this.current = { leader, revision };
    this.onChange?.({
      leader,
      revision: String(revision),
      observedAt: performance.now(),
      event: true,
      cause: leader === null ? 'leader key deleted' : 'leader key changed',
    });
  }

  /** The key changed but the event was lost: only a fresh read() sees it. */
  changeSilently(leader: string | null, revision: number): void {
    this.current = { leader, revision };
  }

  failWatch(message: string): void {
    this.onError?.(new Error(message));
  }
}

/** The router tests' RouteTarget: it demotes before it promotes, like the real ones, and can be told to fail. */
export class MemoryRouteTarget implements RouteTarget {
  readonly name = 'memory';
  /** Shared by peers: another router's handle on the same routes. */
  private shared: { ready: string[] } = { ready: [] };
  readonly applied: PrimaryRoute[] = [];
  /** How many of the next apply() calls throw. */
  failNext = 0;
  private actualGate: Promise<void> | undefined;
  private openActual: (() => void) | undefined;

  constructor(readonly members: string[]) {}

  get ready(): string[] {
    return this.shared.ready;
  }

  set ready(members: string[]) {
    this.shared.ready = members;
  }

  /** A second handle on the same routes, as another router process would have. */
  peer(): MemoryRouteTarget {
    const other = new MemoryRouteTarget(this.members);
    other.shared = this.shared;
    return other;
  }

  /** Makes actual() wait until releaseActual(), like a slow admin socket. */
  holdActual(): void {
    this.actualGate = new Promise((r) => (this.openActual = r));
  }

  releaseActual(): void {
    this.actualGate = undefined;
    this.openActual?.();
  }

  async actual(): Promise<ActualRoutes> {
    await turn();
    await this.actualGate;
    return { ready: [...this.ready], routable: [...this.ready], members: [...this.members] };
  }

  async apply(wanted: PrimaryRoute): Promise<void> {
    this.applied.push(wanted);
    await turn();
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('injected apply failure');
    }
    if (wanted.primary !== null && !this.members.includes(wanted.primary))
      throw new Error(`no member ${wanted.primary}`);
    this.ready = this.ready.filter((m) => m === wanted.primary);
    await turn();
    this.ready = wanted.primary === null ? [] : [wanted.primary];
  }
}

/** Members in `confirming` answer /primary with 200; `hold` makes the next answers wait until released. */
export class FakeConfirmer {
  readonly confirming = new Set<string>();
  readonly asked: string[] = [];
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  readonly confirm: LeaderConfirmer = async (member) => {
    this.asked.push(member);
    await turn();
    await this.gate;
    return this.confirming.has(member);
  };

  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }

  release(): void {
    this.gate = undefined;
    this.open?.();
  }
}

export class MemoryLog implements DecisionLog {
  readonly decisions: string[] = [];
  readonly warnings: string[] = [];
  decision(sentence: string): void {
    this.decisions.push(sentence);
  }
  warn(sentence: string): void {
    this.warnings.push(sentence);
  }
}
