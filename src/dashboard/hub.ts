// The dashboard's live state: loops that probe writes, read status, doctor and Prometheus, and push to the page.
import { describeCause, GardenError } from '../errors.js';
import type { LeaderChange, PlatformStatus } from '../ops/index.js';
import type { Finding } from '../ops/doctor/index.js';
import type { MonitoringView } from './charts.js';
import type { PrimaryProbe } from './pg-primary-probe.js';
import type { MetricsSource } from './prometheus-metrics-source.js';
import { buildSnapshot, doctorView, type DashboardSnapshot, type DoctorView } from './snapshot.js';
import { PROBE_INTERVAL_MS, WriteGapTracker } from './write-gap.js';

/** The edges the hub reads and acts through; the CLI wires the real ones. */
export interface HubSources {
  status(): Promise<PlatformStatus>;
  doctor(): Promise<Finding[]>;
  probe: PrimaryProbe;
  metrics: MetricsSource;
  switchover(): Promise<LeaderChange>;
  /** One sentence per decision or change, for the dashboard's log. */
  log(line: string): void;
  now?: () => number;
}

export const INTERVALS = {
  probeMs: PROBE_INTERVAL_MS,
  /** Status is read and a snapshot pushed this often while a page watches, so it is never more than about 1 s behind. */
  snapshotMs: 500,
  /**
   * ... and this often while none does: a status read costs etcd, Patroni and PostgreSQL sessions
   * (measured: the collector used 7.8 % of a CPU reading every 500 ms with no page open). The write
   * probe keeps its 100 ms, so leader changes and their gaps are still measured.
   */
  idleSnapshotMs: 5000,
  metricsMs: 5000,
  /** doctor runs every check (some spawn programs); every 30 s is current enough and cheap on a small machine. */
  doctorMs: 30_000,
};

export type HubEvent = { type: 'snapshot'; data: DashboardSnapshot } | { type: 'metrics'; data: MonitoringView };

export class DashboardHub {
  private readonly tracker = new WriteGapTracker();
  private readonly stop = new AbortController();
  private readonly listeners = new Set<(e: HubEvent) => void>();
  private readonly loops: Promise<void>[] = [];
  private status: PlatformStatus | undefined;
  private doctor: DoctorView = { at: null, findings: [], error: null };
  private metrics: MonitoringView | undefined;
  private snapshot: DashboardSnapshot | undefined;
  private switching = false;
  /** Listeners that are pages (event streams), here and, as root, on the web side. */
  private localViewers = 0;
  private remoteViewers = 0;
  private wakeStatus: (() => void) | undefined;
  private readonly now: () => number;

  constructor(private readonly src: HubSources) {
    this.now = src.now ?? Date.now;
  }

  start(): void {
    this.loops.push(
      this.every(INTERVALS.probeMs, () => this.probeOnce()),
      this.every(
        () => (this.viewers() > 0 ? INTERVALS.snapshotMs : INTERVALS.idleSnapshotMs),
        () => this.readStatus(),
        (wake) => (this.wakeStatus = wake),
      ),
      this.every(INTERVALS.metricsMs, () => this.readMetrics()),
      this.every(INTERVALS.doctorMs, () => this.runDoctor()),
    );
  }

  async close(): Promise<void> {
    this.stop.abort();
    // A doctor run in flight may take its full 8 s deadline: do not hold a stopping process for it.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.loops), new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    await this.src.probe.close();
  }

  /**
   * The listener gets the latest of each event at once, then every new one; call the result to stop.
   * A viewer (a page) makes status be read at the live pace; a relay (the web side's feed) does not.
   */
  subscribe(listener: (e: HubEvent) => void, opts: { viewer?: boolean } = {}): () => void {
    if (this.snapshot) listener({ type: 'snapshot', data: this.snapshot });
    if (this.metrics) listener({ type: 'metrics', data: this.metrics });
    this.listeners.add(listener);
    const viewer = opts.viewer !== false;
    if (viewer) this.changeViewers(() => this.localViewers++);
    return () => {
      if (this.listeners.delete(listener) && viewer) this.changeViewers(() => this.localViewers--);
    };
  }

  /** How many pages the web side serves (as root it runs apart and says so over its channel). */
  setRemoteViewers(count: number): void {
    this.changeViewers(() => (this.remoteViewers = Math.max(0, count)));
  }

  viewers(): number {
    return this.localViewers + this.remoteViewers;
  }

  /** A first viewer gets a fresh status at once, not after the idle interval. */
  private changeViewers(change: () => void): void {
    const before = this.viewers();
    change();
    if (before === 0 && this.viewers() > 0) this.wakeStatus?.();
  }

  latest(): DashboardSnapshot | undefined {
    return this.snapshot;
  }

  async switchover(): Promise<LeaderChange> {
    if (this.switching) {
      throw new GardenError('CLUSTER_STATE', 'A switchover asked from this dashboard is already running.', {
        hint: 'wait for it to finish; the page shows the new leader when it does',
      });
    }
    this.switching = true;
    this.publishSnapshot();
    try {
      this.src.log('switchover asked from the dashboard');
      const r = await this.src.switchover();
      this.src.log(
        `switchover from the dashboard: ${r.from ?? '?'} to ${r.to} in ${(r.elapsedMs / 1000).toFixed(2)} s`,
      );
      return r;
    } finally {
      this.switching = false;
      this.publishSnapshot();
    }
  }

  /**
   * Runs fn, then waits what is left of the interval; a slow fn delays the next run, never overlaps it.
   * The interval is read before each wait; `onWake` receives a function that ends the current wait.
   */
  private async every(
    ms: number | (() => number),
    fn: () => Promise<void>,
    onWake?: (wake: () => void) => void,
  ): Promise<void> {
    const signal = this.stop.signal;
    while (!signal.aborted) {
      const t0 = this.now();
      try {
        await fn();
      } catch (err) {
        this.src.log(`dashboard loop error: ${describeCause(err)}`);
      }
      const interval = typeof ms === 'number' ? ms : ms();
      await this.pause(Math.max(0, interval - (this.now() - t0)), onWake);
    }
  }

  /** Waits ms, or less when the hub stops or `onWake`'s function is called; leaves no listener behind. */
  private pause(ms: number, onWake?: (wake: () => void) => void): Promise<void> {
    const signal = this.stop.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      onWake?.(done);
    });
  }

  private async probeOnce(): Promise<void> {
    const before = this.tracker.current();
    const change = this.tracker.observe(await this.src.probe.probe());
    const after = this.tracker.current();
    if (change) {
      this.src.log(
        `leader change ${change.from} -> ${change.to}: no write through the primary endpoint for ${change.gapMs} ms (probe every ${INTERVALS.probeMs} ms)`,
      );
    }
    // Push at once when writes stop, resume or move: the page need not wait for the next status read.
    if (change || before.writable !== after.writable || before.member !== after.member) this.publishSnapshot();
  }

  private async readStatus(): Promise<void> {
    this.status = await this.src.status();
    this.publishSnapshot();
  }

  private async readMetrics(): Promise<void> {
    this.metrics = await this.src.metrics.read(this.now());
    this.emit({ type: 'metrics', data: this.metrics });
  }

  private async runDoctor(): Promise<void> {
    try {
      this.doctor = doctorView(await this.src.doctor(), this.now());
    } catch (err) {
      this.doctor = { ...this.doctor, error: `doctor could not run: ${describeCause(err)}` };
    }
  }

  private publishSnapshot(): void {
    if (!this.status) return;
    this.snapshot = buildSnapshot({
      status: this.status,
      writes: this.tracker.current(),
      leaderChanges: this.tracker.timeline(),
      doctor: this.doctor,
      switchoverRunning: this.switching,
      now: this.now(),
    });
    this.emit({ type: 'snapshot', data: this.snapshot });
  }

  private emit(e: HubEvent): void {
    for (const l of this.listeners) l(e);
  }
}
