// Wires the pooler pause to Patroni's failover key: a watch on <prefix>failover feeds SwitchoverPause.
import type { Etcd3 } from 'etcd3';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { ROLE_NAMES } from '../render/index.js';
import { PgbouncerControl, type PoolerAdmin } from '../pooler/index.js';
import { EtcdLeaderSource } from './etcd-leader-source.js';
import { parseFailoverRequest } from './failover-request.js';
import type { RouterMetrics } from './metrics.js';
import type { PoolerStatus } from '../ops/pooler-status.js';
import { registerPoolerGauges } from './pooler-metrics.js';
import { registerPoolerTraffic } from './pooler-traffic.js';
import type { RouterView } from './router.js';
import type { PgbouncerSettings } from './settings.js';
import { StalePauseGuard } from './stale-pause-guard.js';
import { SwitchoverPause } from './switchover-pause.js';
import type { DecisionLog, LeaderConfirmer } from './types.js';

export interface DcsSwitchoverWatchOptions {
  etcd: Etcd3;
  /** The scope's key prefix, e.g. /service/garden/. */
  prefix: string;
  pgbouncer: PgbouncerSettings;
  admin: PoolerAdmin;
  log: DecisionLog;
  metrics: RouterMetrics;
  confirm: LeaderConfirmer;
  view: () => RouterView;
}

export class DcsSwitchoverWatch {
  readonly pause: SwitchoverPause;
  /** PgBouncer's state from its admin console, read at most once a second. */
  readonly poolerStatus: () => Promise<PoolerStatus>;
  private readonly key: EtcdLeaderSource;
  private readonly stale: StalePauseGuard;
  /** Patroni's failover key holds a request now. */
  private requestPending = false;

  constructor(private readonly o: DcsSwitchoverWatchOptions) {
    const control = new PgbouncerControl(o.admin, o.pgbouncer.members);
    this.poolerStatus = registerPoolerGauges(o.metrics.registry, {
      admin: o.admin,
      control,
      port: o.pgbouncer.port,
      mode: o.pgbouncer.mode,
      memberAt: (port) => o.pgbouncer.members.find((m) => m.port === port)?.name,
    });
    registerPoolerTraffic(o.metrics.registry, () => o.admin.show('STATS'));
    this.pause = new SwitchoverPause({
      control,
      pauseTimeoutMs: o.pgbouncer.pauseTimeoutMs,
      holdLimitMs: o.pgbouncer.holdLimitMs,
      log: o.log,
      metrics: o.metrics,
      routedTo: () => o.view().routedTo,
      leader: () => o.view().leader,
      confirm: o.confirm,
      writable: (member) => outOfRecovery(o.pgbouncer, member),
    });
    this.stale = new StalePauseGuard({
      status: this.poolerStatus,
      resumeIfPaused: () => control.resumeIfPaused(),
      switchoverUnderWay: () => this.requestPending || this.pause.pausedSince !== null,
      limitS: o.pgbouncer.stalePauseS,
      intervalMs: 5000,
      log: o.log,
      resumed: o.metrics.poolerStalePauseResumes,
    });
    // One key, watched as the leader key is (fresh read, then a watch from the next revision).
    this.key = new EtcdLeaderSource(o.etcd, `${o.prefix}failover`);
  }

  async start(): Promise<void> {
    await this.key.start(
      (obs) => {
        const req = parseFailoverRequest(obs.leader);
        this.requestPending = req !== null;
        // Only a change is a new request: a read after a rebuild may show one already handled.
        if (obs.event || req === null) this.pause.request(req);
      },
      (err) => this.o.log.warn(`watch on the failover key failed, rebuilding: ${err.message}`),
    );
    this.stale.start();
  }

  async stop(): Promise<void> {
    await this.stale.stop();
    await this.key.stop();
    await this.pause.stop();
  }
}

/**
 * Asks the member itself, as PgBouncer's auth role, whether it is out of recovery: over its socket by
 * peer auth for the OS user both run as (one machine), or over TLS by PgBouncer's client certificate.
 */
async function outOfRecovery(settings: PgbouncerSettings, member: string): Promise<boolean> {
  const at = settings.members.find((m) => m.name === member);
  if (!at) return false;
  const tls = settings.serverTls;
  const client = new pg.Client({
    host: at.host,
    port: at.port,
    user: ROLE_NAMES.pooler,
    database: 'postgres',
    connectionTimeoutMillis: 1000,
    query_timeout: 1000,
    // Across hosts: by PgBouncer's client certificate, as PgBouncer's auth role logs in (pg_hba `cert`).
    ...(tls
      ? {
          ssl: {
            ca: readFileSync(tls.caFile),
            cert: readFileSync(tls.certFile),
            key: readFileSync(tls.keyFile),
          },
        }
      : {}),
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const r = await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
    return r.rows[0]?.r === false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
