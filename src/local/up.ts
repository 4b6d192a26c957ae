// `gardenos up`: preflight everything, then start only what is missing, wait until writes and replication work.
import { readFileSync } from 'node:fs';
import { dashboardReadyProbe, readOrCreateToken } from '../dashboard/index.js';
import { GardenError } from '../errors.js';
import { appRole, dashboardUrl, etcdPeerUrl, localTopology, prometheusUrl } from '../render/index.js';
import { alertmanagerAddress, alertmanagerOf } from '../render/topology.js';
import type { Spec } from '../spec/index.js';
import { checkBinaries } from './binaries.js';
import { MAX_SOCKET_PATH } from './layout.js';
import { assertReachableBy, isRoot } from '../runtime/os-user.js';
import { assertKernelRoutePossible } from './kernel-route.js';
import { ensureAppRole } from './app-role.js';
import { ensureLocalPoolerAuth, pooledLoginProbe, repairPoolerAuth } from './pooler.js';
import { localRunAs, type RunAs } from './run-as.js';
import { etcdClientTls, openPlatform, type LocalPlatform } from './platform.js';
import { assertPortsFree } from './ports.js';
import { servicesHealthyProbe } from './services.js';
import { retryOnThePrimary } from './transient.js';
import {
  alertmanagerReadyProbe,
  checkMonitoringBinaries,
  ensureMonitorRole,
  prometheusTargetsProbe,
} from './monitoring.js';
import { relevantDifferences } from './spec-drift.js';
import { applyLocalSupabase } from './supabase-local.js';
import type { ProcessRunner } from './process-runner.js';
import {
  etcdHealthyProbe,
  haproxyRoutesProbe,
  patroniMembersProbe,
  primaryAndReplicasProbe,
  routerProbe,
} from './readiness.js';
import { waitUntil } from '../runtime/index.js';
import type { Reporter } from '../runtime/reporter.js';
import {
  assertUsableStateDir,
  firstMissingDir,
  createStateDir,
  loadOrCreateSecrets,
  readStateMarker,
  readStoredSpec,
} from './state-dir.js';
import type { SupervisedProcess } from './supervised-process.js';
import { rollBack } from './up-rollback.js';
import { writeConfigs } from './up-configs.js';

export interface UpOptions {
  spec: Spec;
  runner: ProcessRunner;
  reporter: Reporter;
  /** How long to wait for each readiness condition. */
  timeoutMs?: number;
}

export interface UpResult {
  outcome: 'created' | 'healed' | 'already-running';
  started: string[];
  elapsedMs: number;
  platform: LocalPlatform;
}

export async function up({ spec, runner, reporter, timeoutMs = 120_000 }: UpOptions): Promise<UpResult> {
  const t0 = Date.now();
  const done = reporter.step('preflight: binaries, state dir, ports');
  const binaries = checkBinaries(spec.postgres.version);
  const monitoringBinaries = checkMonitoringBinaries(spec);
  const runAs = localRunAs(spec);
  assertKernelRoutePossible(spec, isRoot());
  const platform = openPlatform(spec, runner, {
    binaries,
    ...(runAs ? { runAs } : {}),
    ...(monitoringBinaries ? { monitoringBinaries } : {}),
  });
  const { layout } = platform;
  const fresh = await preflightStateDir(platform, runAs);
  // What a rollback of a new platform may delete: the dirs this run creates, or the contents of the empty dir it was given.
  const createdDir = fresh ? firstMissingDir(layout.root) : undefined;
  const missing = platform.processes.filter((p) => !p.running());
  await assertPortsFree(
    spec.local.bindAddress,
    missing.flatMap((p) => p.spec.ports.map((port) => ({ port, owner: p.spec.member }))),
  );
  done(
    `${Object.entries(binaries.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );

  if (missing.length === 0 && (await isReadyNow(platform))) {
    // Running and healthy, but a database made since (from template0, say) may lack PgBouncer's lookup.
    if (spec.pooler.enabled)
      await retryOnThePrimary(() => repairPoolerAuth(spec, loadOrCreateSecrets(layout), reporter));
    return { outcome: 'already-running', started: [], elapsedMs: Date.now() - t0, platform };
  }

  const started: SupervisedProcess[] = [];
  // Processes that must stay alive while we wait: those already running plus those this run starts.
  const watched = platform.processes.filter((p) => p.running());
  const wait = (what: string, probe: () => Promise<string | undefined>, logKind: string) =>
    stepWait(reporter, what, probe, timeoutMs, platform, [...watched, ...started], logKind);
  try {
    if (fresh) createStateDir(layout, spec);
    const secrets = loadOrCreateSecrets(layout);
    writeConfigs(platform, binaries, secrets, runAs);
    await startKind(platform, 'etcd', started, reporter);
    await wait('etcd quorum', etcdHealthyProbe(spec, etcdClientTls(platform)), 'etcd');
    await startKind(platform, 'patroni', started, reporter);
    await startKind(platform, 'haproxy', started, reporter);
    await startKind(platform, 'pgbouncer', started, reporter);
    await startKind(platform, 'router', started, reporter);
    await wait(
      `primary writable through :${spec.haproxy.primaryPort}, ${spec.nodes.length - 1} replicas streaming`,
      primaryAndReplicasProbe(spec, secrets),
      'patroni',
    );
    await wait('HAProxy routes converged', haproxyRoutesProbe(spec, layout), 'haproxy');
    await wait('Patroni reports every member running', patroniMembersProbe(spec), 'patroni');
    if (spec.router.enabled) await wait('router follows the leader', routerProbe(spec), 'router');
    const doneApp = reporter.step("the services' role and database");
    doneApp(await retryOnThePrimary(() => ensureAppRole(spec, layout, secrets, runAs?.service)));
    if (spec.pooler.enabled) {
      const donePooler = reporter.step("PgBouncer's auth_query role");
      donePooler(await retryOnThePrimary(() => ensureLocalPoolerAuth(spec, secrets)));
      const { role, database } = appRole(spec);
      await wait(
        `a pooled login through :${spec.pooler.port}`,
        pooledLoginProbe(spec, secrets, role, database),
        'pgbouncer',
      );
    }
    if (spec.supabase.enabled) {
      const doneSupabase = reporter.step('apply the Supabase DB bootstrap');
      doneSupabase(await retryOnThePrimary(() => applyLocalSupabase(spec, layout, secrets)));
    }
    await startKind(platform, 'service', started, reporter);
    if (spec.services.some((s) => s.command))
      await wait('services answer on their health paths', servicesHealthyProbe(spec), 'service');
    if (spec.monitoring.enabled) {
      const doneRole = reporter.step("the PostgreSQL exporter's role");
      doneRole(await retryOnThePrimary(() => ensureMonitorRole(spec, secrets)));
      await startKind(platform, 'exporter', started, reporter);
      const am = alertmanagerOf(spec);
      if (am) {
        // Before Prometheus: its first alerts then have somewhere to go.
        await startKind(platform, 'alertmanager', started, reporter);
        await wait(
          `Alertmanager at ${alertmanagerAddress(spec, am)}`,
          alertmanagerReadyProbe(spec, am),
          'alertmanager',
        );
      }
      await startKind(platform, 'prometheus', started, reporter);
      await wait(
        `Prometheus at ${prometheusUrl(spec)} scrapes every component`,
        prometheusTargetsProbe(spec),
        'prometheus',
      );
      // The token before the dashboard: made here by the user the dashboard's collector runs as, so it owns the file.
      const token = readOrCreateToken(layout.dashboardTokenFile);
      await startKind(platform, 'dashboard', started, reporter);
      const url = dashboardUrl(spec);
      await wait(`the dashboard answers at ${url}`, dashboardReadyProbe(url, token), 'dashboard');
    }
  } catch (err) {
    throw await rollBack(platform, started, fresh ? { createdDir } : undefined, err);
  }
  return {
    outcome: fresh ? 'created' : 'healed',
    started: started.map((p) => p.id),
    elapsedMs: Date.now() - t0,
    platform,
  };
}

/** Returns whether the state dir is new. Refuses foreign dirs, other formats and a changed spec. */
async function preflightStateDir(platform: LocalPlatform, runAs: RunAs | undefined): Promise<boolean> {
  const { layout, spec } = platform;
  assertUsableStateDir(layout);
  const marker = readStateMarker(layout);
  if (marker) {
    const stored = await readStoredSpec(layout);
    const diffs = relevantDifferences(stored, spec);
    if (diffs.length > 0) {
      throw new GardenError(
        'CLUSTER_STATE',
        `The platform in ${layout.root} was created from a different spec; changed: ${diffs.slice(0, 8).join(', ')}${diffs.length > 8 ? ', ...' : ''}.`,
        {
          hint: 'restore the original values, or recreate the platform with `gardenos down --purge --yes` (deletes its data) and `gardenos up`',
        },
      );
    }
  }
  for (const user of runAs ? [runAs.postgres, runAs.infra, runAs.service] : []) assertReachableBy(layout.root, user);
  const longest = [
    layout.adminSocket,
    ...spec.nodes.map((n) => `${layout.nodeRunDir(n.name)}/.s.PGSQL.${n.pgPort}`),
    ...(spec.pooler.enabled
      ? [
          `${layout.pgbouncerDir}/.s.PGSQL.${spec.pooler.port}`,
          ...spec.nodes.map((n) => `${layout.pgSocketDir}/.s.PGSQL.${n.pgPort}`),
        ]
      : []),
  ].reduce((a, b) => (b.length > a.length ? b : a));
  if (longest.length > MAX_SOCKET_PATH) {
    throw new GardenError(
      'STATE_DIR',
      `The state dir ${layout.root} is too deep: the socket ${longest} is ${longest.length} characters, and Unix sockets allow about ${MAX_SOCKET_PATH}.`,
      {
        hint: 'choose a shorter --state-dir (local.stateDir)',
      },
    );
  }
  return !marker;
}

async function startKind(
  platform: LocalPlatform,
  kind: SupervisedProcess['spec']['kind'],
  started: SupervisedProcess[],
  reporter: Reporter,
): Promise<void> {
  const todo = platform.processes.filter((p) => p.spec.kind === kind && !p.running());
  if (todo.length === 0) return;
  const done = reporter.step(`start ${todo.map((p) => p.spec.member).join(', ')}`);
  for (const p of todo) {
    await p.start();
    started.push(p);
    if (kind === 'etcd') await waitForEtcdPeer(platform, p.spec.member);
  }
  done(`${todo.length} started`);
}

/**
 * A new etcd member asks its peers for the cluster before it serves; a peer that listens but does not
 * serve yet makes it hang for its whole bootstrap timeout (about 2 s). Starting members one at a
 * time, each once its peer port answers, lets every such request get an answer or a quick refusal.
 */
async function waitForEtcdPeer(platform: LocalPlatform, member: string): Promise<void> {
  const { spec } = platform;
  const m = localTopology(spec).etcd.find((x) => x.name === member);
  if (!m || spec.etcd.scheme !== 'http') return;
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${etcdPeerUrl(spec, m)}/version`, { signal: AbortSignal.timeout(250) });
      await res.body?.cancel();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function stepWait(
  reporter: Reporter,
  what: string,
  probe: () => Promise<string | undefined>,
  timeoutMs: number,
  platform: LocalPlatform,
  mustLive: SupervisedProcess[],
  logKind: string,
): Promise<void> {
  const done = reporter.step(`wait: ${what}`);
  await waitUntil(
    async () => {
      assertAllAlive(mustLive);
      return probe();
    },
    {
      timeoutMs,
      what,
      hint: `look at the logs with \`gardenos logs ${logKind}\` (files in ${platform.layout.logsDir})`,
    },
  );
  done();
}

/** A process that exited will not become ready: stop waiting and show why, from its log. */
function assertAllAlive(processes: SupervisedProcess[]): void {
  const dead = processes.find((p) => !p.running());
  if (!dead) return;
  const tail = lastLines(dead.spec.launch.logFile, 6);
  throw new GardenError(
    'START_FAILED',
    `${dead.spec.member} (${dead.spec.kind}) exited during start-up. Its last log lines:\n${tail}`,
    {
      hint: `read the whole log with \`gardenos logs ${dead.spec.member}\` (${dead.spec.launch.logFile})`,
    },
  );
}

function lastLines(file: string, n: number): string {
  try {
    return readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-n)
      .map((l) => `    ${l}`)
      .join('\n');
  } catch {
    return '    (no log)';
  }
}

/** One look, no waiting: anything not ready yet goes through the normal start-and-wait steps. */
async function isReadyNow(platform: LocalPlatform): Promise<boolean> {
  const { spec, layout } = platform;
  const secrets = loadOrCreateSecrets(layout);
  try {
    const probes = [
      etcdHealthyProbe(spec, etcdClientTls(platform)),
      primaryAndReplicasProbe(spec, secrets),
      haproxyRoutesProbe(spec, layout),
      patroniMembersProbe(spec),
    ];
    if (spec.router.enabled) probes.push(routerProbe(spec));
    for (const probe of probes) {
      if ((await probe()) !== undefined) return false;
    }
    return true;
  } catch {
    return false;
  }
}
