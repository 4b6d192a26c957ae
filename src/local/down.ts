// `gardenos down`: stop in a safe order (HAProxy, replicas, leader, etcd), graceful then forced.
import { rmSync } from 'node:fs';
import { PatroniClient } from '../patroni/index.js';
import { processesOf, type LocalPlatform } from './platform.js';
import type { Reporter } from './reporter.js';
import type { SupervisedProcess } from './supervised-process.js';

export interface DownResult {
  stopped: { id: string; how: 'stopped' | 'killed' }[];
  purged: boolean;
}

/** Grace periods: Patroni needs time for a fast shutdown and a checkpoint. */
const GRACE_MS = { service: 10000, router: 3000, haproxy: 5000, patroni: 30000, etcd: 10000 } as const;

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
  await stopAll(of('service'), 'services');
  await stopAll(of('router'), 'router');
  await stopAll(of('haproxy'), 'HAProxy');
  const leader = await currentLeader(platform);
  const patroni = of('patroni');
  // Replicas first: stopping the leader first would make Patroni promote a replica on the way down.
  await stopAll(patroni.filter((p) => p.spec.member !== leader), 'replicas');
  await stopAll(patroni.filter((p) => p.spec.member === leader), 'leader');
  await stopAll(of('etcd'), 'etcd');

  if (opts.purge) {
    const done = opts.reporter.step(`delete ${platform.layout.root}`);
    rmSync(platform.layout.root, { recursive: true, force: true });
    done();
  }
  return { stopped, purged: opts.purge };
}

async function currentLeader(platform: LocalPlatform): Promise<string | undefined> {
  for (const node of platform.spec.nodes) {
    try {
      const cluster = await new PatroniClient(`http://${platform.spec.local.bindAddress}:${node.apiPort}`, undefined, 1000).cluster();
      return cluster.members.find((m) => m.role === 'leader')?.name;
    } catch {
      // try the next member
    }
  }
  return undefined;
}
