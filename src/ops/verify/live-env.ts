// The real VerifyEnv: a local platform's processes, Patroni, etcd and PostgreSQL, and `up` to heal.
import { localAccess } from '../access.js';
import { etcdMembersStatus } from '../../dcs/index.js';
import { GardenError } from '../../errors.js';
import {
  NodeProcessRunner,
  etcdClientTls,
  openPlatform,
  primaryAndReplicasProbe,
  readSecrets,
  up,
  type LocalPlatform,
} from '../../local/index.js';
import { silentReporter } from '../../runtime/index.js';
import { PatroniClusterReader } from '../../patroni/index.js';
import {
  etcdClientEndpoints,
  patroniApis,
  pgAddress,
  type PgAddress,
  type PlatformSecrets,
} from '../../render/index.js';
import type { Spec } from '../../spec/index.js';
import { switchover } from '../leader-change.js';
import { collectStatus } from '../status.js';
import type { ProcessHandle, VerifyEnv } from './env.js';
import { PgProber, PgWriter, VERIFY_TABLE, verifyClient } from './pg-clients.js';
import { childrenOf, readPostmaster } from './process-tree.js';

export function openVerifyEnv(spec: Spec, signal: AbortSignal): VerifyEnv {
  const runner = new NodeProcessRunner();
  const platform = openPlatform(spec, runner);
  const secrets = readSecrets(platform.layout);
  const withClient = async <T>(
    at: number | PgAddress,
    fn: (c: ReturnType<typeof verifyClient>) => Promise<T>,
  ): Promise<T> => {
    const c = verifyClient(spec, secrets, at, 2000);
    try {
      await c.connect();
      return await fn(c);
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  const byPort = new Map(spec.nodes.map((n) => [n.pgPort, n.name]));
  const reader = new PatroniClusterReader(patroniApis(spec), 1500);
  return {
    spec,
    signal,
    problems: () => problemsOf(platform, secrets),
    isDown: async () => !platform.processes.some((p) => p.running()),
    async heal() {
      const r = await up({ spec, runner, reporter: silentReporter, timeoutMs: 180_000 });
      return r.started;
    },
    async cluster(skip) {
      const view = await reader.read(skip === undefined ? {} : { skip });
      return view.source === null ? undefined : view;
    },
    etcdMembers: () => etcdMembersStatus(etcdClientEndpoints(spec), 1000, etcdClientTls(platform)),
    component(id) {
      const live = platform.processes.find((p) => p.id === id)?.running();
      return live ? { label: id, id: live } : undefined;
    },
    postmaster(node) {
      const id = readPostmaster(platform.layout.pgDataDir(node));
      return id ? { label: `postmaster of ${node}`, id } : undefined;
    },
    childrenOf: (h) => childrenOf(h.id.pid).map((id) => ({ label: `child ${id.pid} of ${h.label}`, id })),
    sendSignal: (h: ProcessHandle, sig) => runner.signal(h.id, sig),
    isAlive: (h) => runner.isAlive(h.id),
    async stopComponent(id, graceMs) {
      await platform.processes.find((p) => p.id === id)?.stop({ graceMs });
    },
    switchover: () => switchover(localAccess(spec, secrets), { timeoutMs: 120_000 }),
    primaryEndpoint: () =>
      withClient(spec.haproxy.primaryPort, async (c) => {
        const r = await c.query<{ port: number; recovery: boolean }>(
          'SELECT inet_server_port() AS port, pg_is_in_recovery() AS recovery',
        );
        const row = r.rows[0];
        return { node: row ? (byPort.get(row.port) ?? null) : null, writable: row?.recovery === false };
      }),
    async nodeInRecovery(node) {
      try {
        return await withClient(
          pgAddress(spec, node),
          async (c) => (await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r ?? null,
        );
      } catch {
        return null;
      }
    },
    newWriter: (run) => new PgWriter(spec, secrets, run),
    newProber: () => new PgProber(spec, secrets),
    createTable: () =>
      withClient(spec.haproxy.primaryPort, async (c) => {
        await c.query('CREATE SCHEMA IF NOT EXISTS gardenos_verify');
        await c.query(
          `CREATE TABLE IF NOT EXISTS ${VERIFY_TABLE} (run text NOT NULL, id bigint NOT NULL, at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (run, id))`,
        );
      }),
    presentIds: (run) =>
      withClient(spec.haproxy.primaryPort, async (c) => {
        const r = await c.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
        // Looked up on a node in recovery, a lagging replica would report writes as lost that are not.
        if (r.rows[0]?.recovery) throw new Error('the primary port reached a node in recovery');
        const rows = await c.query<{ id: string }>(`SELECT id FROM ${VERIFY_TABLE} WHERE run = $1`, [run]);
        return new Set(rows.rows.map((x) => Number(x.id)));
      }),
    // Only our own schema: DROP SCHEMA without CASCADE refuses if anything else was put in it.
    dropTable: () =>
      withClient(spec.haproxy.primaryPort, async (c) => {
        await c.query(`DROP TABLE IF EXISTS ${VERIFY_TABLE}`);
        await c.query('DROP SCHEMA IF EXISTS gardenos_verify').catch(() => undefined);
      }),
  };
}

async function problemsOf(platform: LocalPlatform, secrets: PlatformSecrets): Promise<string[]> {
  const status = await collectStatus(platform);
  if (status.health === 'down') return status.problems;
  const problems = [...status.problems];
  try {
    // status does not write: this adds "the primary port takes a write" and the live replication check.
    const missing = await primaryAndReplicasProbe(platform.spec, secrets)();
    if (missing) problems.push(missing);
  } catch (err) {
    problems.push(`the primary port does not take a write: ${(err as Error).message}`);
  }
  return problems;
}

export function notRunning(spec: Spec): GardenError {
  return new GardenError('NOT_RUNNING', `No process of the platform in ${spec.local.stateDir} is running.`, {
    hint: 'start it with `gardenos up`, then run verify again',
  });
}
