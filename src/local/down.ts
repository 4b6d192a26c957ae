// `gardenos down`: stop in a safe order (HAProxy, replicas, leader, etcd), graceful then forced; then
// make sure nothing of the platform is left (orphaned postmasters included) and every port is free.
import { rmSync } from 'node:fs';
import { GardenError } from '../errors.js';
import { localClusterReader } from './server-clients.js';
import { listPorts } from '../spec/index.js';
import { processesOf, type LocalPlatform } from './platform.js';
import { isPortFree } from './ports.js';
import { stopOrphanedPostmasters } from './postmasters.js';
import type { FoundProcess, ProcessRunner } from './process-runner.js';
import type { Reporter } from '../runtime/reporter.js';
import { removeKernelRoute } from './kernel-route.js';
import type { SupervisedProcess } from './supervised-process.js';

export interface DownResult {
  stopped: { id: string; how: 'stopped' | 'killed' }[];
  /** Processes of the platform that no pid file named (a postmaster Patroni was restarting) and that down stopped. */
  orphansStopped: string[];
  /** What is still running or still bound after down did all it could; empty means the platform is down. */
  left: { processes: FoundProcess[]; ports: { port: number; owner: string }[] };
  purged: boolean;
}

/** Grace periods: Patroni needs time for a fast shutdown and a checkpoint. */
const GRACE_MS = {
  dashboard: 3000,
  prometheus: 10000,
  alertmanager: 5000,
  exporter: 3000,
  service: 10000,
  router: 3000,
  pgbouncer: 5000,
  haproxy: 5000,
  patroni: 30000,
  etcd: 10000,
} as const;
const ORPHAN_GRACE_MS = 5000;
/** Ports are released when their process exits; this covers the kernel catching up, not a process stopping. */
const PORT_RELEASE_MS = 5000;

export async function down(platform: LocalPlatform, opts: { purge: boolean; reporter: Reporter }): Promise<DownResult> {
  const stopped: DownResult['stopped'] = [];
  const stopAll = async (procs: SupervisedProcess[], title: string) => {
    const running = procs.filter((p) => p.running());
    if (running.length === 0) return;
    const done = opts.reporter.step(`stop ${title}: ${running.map((p) => p.spec.member).join(', ')}`);
    for (const p of running) {
      const how = await p.stop({ graceMs: GRACE_MS[p.spec.kind] });
      if (how !== 'not-running') stopped.push({ id: p.id, how });
    }
    done(stopped.some((s) => s.how === 'killed') ? 'some needed SIGKILL' : 'done');
  };
  const of = (kind: SupervisedProcess['spec']['kind']) => processesOf(platform, kind);

  // Services first (they hold database sessions), then the router: it would otherwise react to the members going away.
  // Monitoring first: no alert about the platform going down on purpose, no scrape errors in the logs.
  await stopAll(of('dashboard'), 'dashboard');
  await stopAll(of('prometheus'), 'Prometheus');
  await stopAll(of('alertmanager'), 'Alertmanager');
  await stopAll(of('exporter'), 'exporters');
  await stopAll(of('service'), 'services');
  await stopAll(of('router'), 'router');
  if (await removeKernelRoute(platform.spec)) opts.reporter.step('delete the kernel route (nftables table)')('done');
  await stopAll(of('pgbouncer'), 'PgBouncer');
  await stopAll(of('haproxy'), 'HAProxy');
  const leader = await currentLeader(platform);
  const patroni = of('patroni');
  // Replicas first: stopping the leader first would make Patroni promote a replica on the way down.
  await stopAll(
    patroni.filter((p) => p.spec.member !== leader),
    'replicas',
  );
  await stopAll(
    patroni.filter((p) => p.spec.member === leader),
    'leader',
  );
  await stopAll(of('etcd'), 'etcd');

  const orphansStopped = await sweepOrphans(platform, platform.runner, opts.reporter);
  const left = await whatIsLeft(platform, platform.runner);
  const result: DownResult = { stopped, orphansStopped, left, purged: false };
  if (opts.purge) {
    if (left.processes.length > 0 || left.ports.length > 0) return result;
    assertNothingUses(platform, platform.runner);
    const done = opts.reporter.step(`delete ${platform.layout.root}`);
    rmSync(platform.layout.root, { recursive: true, force: true });
    done();
    result.purged = true;
  }
  return result;
}

/**
 * After Patroni is gone, a PostgreSQL it was starting or restarting (a demoted leader coming back as a
 * replica) can outlive it with parent 1. Stop every postmaster named by a data dir's postmaster.pid
 * (fast, then immediate), then any other process that was started for this platform.
 */
async function sweepOrphans(platform: LocalPlatform, runner: ProcessRunner, reporter: Reporter): Promise<string[]> {
  const names: string[] = [];
  // Patroni's pg_ctl can fork a postmaster just as it dies: sweep until a pass finds nothing.
  for (let pass = 0; pass < 3; pass++) {
    const postmasters = await stopOrphanedPostmasters(platform, runner, reporter);
    const others = launchedFor(platform, runner);
    if (others.length > 0) {
      const done = reporter.step(
        `stop ${others.length} leftover process${others.length > 1 ? 'es' : ''}: ${others.map((p) => p.pid).join(', ')}`,
      );
      await terminate(runner, others);
      done();
    }
    names.push(...postmasters, ...others.map((p) => `pid ${p.pid} (${p.command})`));
    if (postmasters.length === 0 && others.length === 0) break;
  }
  return names;
}

/** Processes inside the state dir whose command line names it: only what gardenos started, never a shell cd'ed there. */
function launchedFor(platform: LocalPlatform, runner: ProcessRunner): FoundProcess[] {
  return runner
    .processesUsing(platform.layout.root)
    .filter((p) => p.command.includes(platform.layout.root) || isPostgresOf(platform, p));
}

/** PostgreSQL's backends rename themselves ("postgres: garden: checkpointer") but keep working in the data dir. */
function isPostgresOf(platform: LocalPlatform, p: FoundProcess): boolean {
  return (
    /^postgres:|\/postgres(\s|$)/.test(p.command) &&
    platform.spec.nodes.some((n) => p.uses === platform.layout.pgDataDir(n.name))
  );
}

async function terminate(runner: ProcessRunner, procs: FoundProcess[]): Promise<void> {
  for (const p of procs) runner.signal(p, 'SIGTERM');
  const deadline = Date.now() + ORPHAN_GRACE_MS;
  while (Date.now() < deadline && procs.some((p) => runner.isAlive(p))) await sleep(50);
  for (const p of procs.filter((x) => runner.isAlive(x))) runner.signal(p, 'SIGKILL');
  while (procs.some((p) => runner.isAlive(p))) await sleep(20);
}

async function whatIsLeft(platform: LocalPlatform, runner: ProcessRunner): Promise<DownResult['left']> {
  const processes = launchedFor(platform, runner);
  const host = platform.spec.local.bindAddress;
  const claims = listPorts(platform.spec);
  const deadline = Date.now() + PORT_RELEASE_MS;
  let ports: { port: number; owner: string }[] = [];
  do {
    ports = [];
    for (const c of claims) if (!(await isPortFree(host, c.port))) ports.push({ port: c.port, owner: c.owner });
    if (ports.length === 0) break;
    await sleep(100);
  } while (Date.now() < deadline);
  return { processes, ports };
}

/** --purge deletes nothing that a live process still uses, ours or not (a shell cd'ed there, a psql writing a file). */
function assertNothingUses(platform: LocalPlatform, runner: ProcessRunner): void {
  const users = runner.processesUsing(platform.layout.root);
  if (users.length === 0) return;
  const list = users
    .slice(0, 5)
    .map((p) => `pid ${p.pid} (${p.command}) uses ${p.uses}`)
    .join('; ');
  throw new GardenError(
    'CLUSTER_STATE',
    `--purge did not delete ${platform.layout.root}: ${users.length} process${users.length > 1 ? 'es' : ''} still use${users.length > 1 ? '' : 's'} it: ${list}. The platform is stopped; nothing was deleted.`,
    {
      hint: 'end those processes (or leave the directory in that shell), then run `gardenos down --purge --yes` again',
      exitCode: 1,
    },
  );
}

async function currentLeader(platform: LocalPlatform): Promise<string | undefined> {
  return (await localClusterReader(platform.spec, 1000).read()).leader ?? undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
