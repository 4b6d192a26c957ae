// PostgreSQL servers of a local platform found through their data dirs' postmaster.pid, and their shutdown.
import { readFileSync } from 'node:fs';
import type { LocalPlatform } from './platform.js';
import type { ProcessIdentity, ProcessRunner } from './process-runner.js';
import type { Reporter } from '../runtime/reporter.js';

/** PostgreSQL's own shutdown modes: SIGINT is a fast shutdown (clients disconnected, checkpoint), SIGQUIT immediate. */
const FAST_MS = 20000;
const IMMEDIATE_MS = 5000;

/** The live postmaster of a node's data dir, if any. The pid counts only while that process works in the data dir. */
export function postmasterOf(
  platform: LocalPlatform,
  runner: ProcessRunner,
  node: string,
): ProcessIdentity | undefined {
  const dataDir = platform.layout.pgDataDir(node);
  let pid: number;
  try {
    pid = Number(readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const id = runner.identify(pid);
  // A pid from a stale file may belong to another program by now: never signal that.
  return id && runner.workingDirOf(id) === dataDir ? id : undefined;
}

/** Stops every postmaster still running after Patroni stopped; returns what it stopped, for the report. */
export async function stopOrphanedPostmasters(
  platform: LocalPlatform,
  runner: ProcessRunner,
  reporter: Reporter,
): Promise<string[]> {
  const stopped: string[] = [];
  for (const node of platform.spec.nodes) {
    const id = postmasterOf(platform, runner, node.name);
    if (!id) continue;
    const done = reporter.step(`stop PostgreSQL of ${node.name} (pid ${id.pid}), left running without Patroni`);
    const how = await shutDown(runner, id);
    done(how);
    stopped.push(`PostgreSQL of ${node.name} (pid ${id.pid}, ${how})`);
  }
  return stopped;
}

async function shutDown(
  runner: ProcessRunner,
  id: ProcessIdentity,
): Promise<'fast shutdown' | 'immediate shutdown' | 'killed'> {
  runner.signal(id, 'SIGINT');
  if (await exits(runner, id, FAST_MS)) return 'fast shutdown';
  runner.signal(id, 'SIGQUIT');
  if (await exits(runner, id, IMMEDIATE_MS)) return 'immediate shutdown';
  runner.signal(id, 'SIGKILL');
  await exits(runner, id, Number.POSITIVE_INFINITY);
  return 'killed';
}

async function exits(runner: ProcessRunner, id: ProcessIdentity, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (runner.isAlive(id)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
