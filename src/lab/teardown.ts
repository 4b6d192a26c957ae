// Removes what a lab created, and only that: its processes, nft tables, links, namespaces, bridge, dirs.
import { existsSync, rmSync, rmdirSync } from 'node:fs';
import { deleteLink, deleteNetns, linkExists, listNetns, netnsPids } from './iproute2.js';
import { readMachineRecord, writeMachineRecord, machineRecordFile, otherLabs, type LabManifest } from './manifest.js';
import { deleteCutTable } from './nftables.js';

type Created = LabManifest['created'];

export interface TeardownResult {
  /** Sentences: what was removed. */
  removed: string[];
  /** Sentences: what is still there, and why. Empty means the lab is gone. */
  left: string[];
  /** The part of `created` still present, to keep in the manifest for a second try. */
  remaining: Created;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // gone already
    }
  }
}

/** TERM to every process in the namespace, KILL after graceMs; returns the pids still there after that. */
export async function stopNamespaceProcesses(
  ns: string,
  graceMs = 5000,
): Promise<{ stopped: number; killed: number; left: number[] }> {
  const first = await netnsPids(ns);
  if (first.length === 0) return { stopped: 0, killed: 0, left: [] };
  signal(first, 'SIGTERM');
  const until = async (ms: number) => {
    const deadline = Date.now() + ms;
    let pids = await netnsPids(ns);
    while (pids.length > 0 && Date.now() < deadline) {
      await sleep(50);
      pids = await netnsPids(ns);
    }
    return pids;
  };
  const stubborn = await until(graceMs);
  signal(stubborn, 'SIGKILL');
  const left = stubborn.length > 0 ? await until(2000) : [];
  return { stopped: first.length, killed: stubborn.length, left };
}

export async function teardown(created: Created): Promise<TeardownResult> {
  const removed: string[] = [];
  const left: string[] = [];
  const remaining: Created = { namespaces: [], links: [], nftTables: [], dirs: [], pids: [] };
  const existing = new Set(await listNetns());
  const busy = new Set<string>();
  for (const ns of created.namespaces.filter((n) => existing.has(n))) {
    const r = await stopNamespaceProcesses(ns);
    if (r.stopped > 0)
      removed.push(
        `stopped ${r.stopped} process${r.stopped === 1 ? '' : 'es'} in ${ns}${r.killed > 0 ? ` (${r.killed} needed SIGKILL)` : ''}`,
      );
    if (r.left.length > 0) {
      busy.add(ns);
      left.push(`processes ${r.left.join(', ')} in ${ns} survived SIGKILL (stuck in the kernel?)`);
    }
  }
  remaining.pids = created.pids.filter((p) => busy.has(p.namespace));
  for (const t of created.nftTables) {
    if (busy.has(t.namespace)) {
      remaining.nftTables.push(t);
      continue;
    }
    if (existing.has(t.namespace) && (await deleteCutTable(t.namespace)))
      removed.push(`nft table ${t.family} ${t.table} in ${t.namespace}`);
  }
  // Deleting the machine-side end of a veth deletes its peer in the namespace too.
  for (const link of created.links) {
    if (!(await linkExists(link))) continue;
    if (await deleteLink(link)) removed.push(`link ${link}`);
    else {
      remaining.links.push(link);
      left.push(`link ${link} could not be deleted`);
    }
  }
  for (const ns of created.namespaces) {
    if (!existing.has(ns)) continue;
    if (busy.has(ns)) {
      remaining.namespaces.push(ns);
      left.push(`namespace ${ns} kept: processes are still in it`);
      continue;
    }
    if (await deleteNetns(ns)) removed.push(`namespace ${ns}`);
    else {
      remaining.namespaces.push(ns);
      left.push(`namespace ${ns} could not be deleted`);
    }
  }
  if (created.bridge !== undefined && (await linkExists(created.bridge))) {
    if (await deleteLink(created.bridge)) removed.push(`bridge ${created.bridge}`);
    else {
      remaining.bridge = created.bridge;
      left.push(`bridge ${created.bridge} could not be deleted`);
    }
  }
  // The state dir holds the manifest: while anything is left, it stays so that a second down can finish.
  for (const dir of created.dirs) {
    if (left.length > 0) {
      remaining.dirs.push(dir);
      continue;
    }
    rmSync(dir, { recursive: true, force: true });
    removed.push(`dir ${dir}`);
  }
  return { removed, left, remaining };
}

/**
 * Removes the machine dirs that labs created (mount points, the state root), when no other lab is
 * left under the state root: a mount point still used by another lab's hosts must stay. Only rmdir:
 * a dir that is no longer empty holds someone else's files, so it is kept and no longer counted as the lab's.
 */
export function releaseMachineDirs(
  stateRoot: string,
  lab: string,
  only?: string[],
): { removed: string[]; kept: string[] } {
  const removed: string[] = [];
  const kept: string[] = [];
  if (!existsSync(stateRoot) || otherLabs(stateRoot, lab).length > 0) return { removed, kept };
  const recorded = readMachineRecord(stateRoot).createdDirs;
  const targets = recorded.filter((d) => only === undefined || only.includes(d));
  for (const dir of targets.filter((d) => d !== stateRoot)) {
    try {
      rmdirSync(dir);
      removed.push(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        kept.push(`${dir} (not empty: it holds files that are not the lab's)`);
    }
  }
  const still = recorded.filter((d) => !targets.includes(d));
  if (targets.includes(stateRoot) && still.length === 0) {
    rmSync(machineRecordFile(stateRoot), { force: true });
    try {
      rmdirSync(stateRoot);
      removed.push(stateRoot);
    } catch {
      kept.push(`${stateRoot} (not empty)`);
    }
  } else {
    const keep = targets.includes(stateRoot) ? [...still, stateRoot] : still;
    if (keep.length > 0) writeMachineRecord(stateRoot, { createdDirs: keep });
    else rmSync(machineRecordFile(stateRoot), { force: true });
  }
  return { removed, kept };
}
