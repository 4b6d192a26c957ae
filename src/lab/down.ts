// lab down: stops every process in the lab's namespaces, deletes what the lab created, and checks that nothing is left.
import { join } from 'node:path';
import { withLabLock } from './lock.js';
import { linkExists, listNetns, netnsPids } from './iproute2.js';
import { readManifest, writeManifest, type LabManifest } from './manifest.js';
import { LAB_STATE_ROOT, parseLabName } from './plan.js';
import { requireRoot, requireTools } from './preflight.js';
import { releaseMachineDirs, teardown } from './teardown.js';

export interface LabDownResult {
  /** False when there was no lab of that name (nothing to do). */
  existed: boolean;
  removed: string[];
  /** Empty when the lab is gone: no namespace, link or process of it remains. */
  left: string[];
  /** Dirs labs created on the machine that were kept because someone else's files are in them. */
  kept: string[];
}

/** What down would remove, for the confirmation; undefined when there is no such lab. */
export function labDownPlan(
  name: string,
  stateRoot = LAB_STATE_ROOT,
): { manifest: LabManifest; lines: string[] } | undefined {
  requireRoot('gardenos lab down');
  const manifest = readManifest(join(stateRoot, parseLabName(name), 'manifest.json'));
  if (!manifest) return undefined;
  const c = manifest.created;
  return {
    manifest,
    lines: [
      `stop every process in ${c.namespaces.length > 0 ? c.namespaces.join(', ') : 'its namespaces'} (TERM, then KILL after 5 s)`,
      `delete the namespaces, the links ${[...c.links, ...(c.bridge ? [c.bridge] : [])].join(', ') || '(none)'}${c.nftTables.length > 0 ? ' and the nft tables of its cuts' : ''}`,
      `delete ${c.dirs.join(', ') || '(no dir)'}: keys, and every host's /etc/gardenos, /var/lib/gardenos and /var/log/gardenos`,
    ],
  };
}

/** After teardown: anything recorded that still exists, as sentences (checked against the system, not the teardown's word). */
async function stillThere(created: LabManifest['created']): Promise<string[]> {
  const namespaces = new Set(await listNetns());
  const left: string[] = [];
  for (const ns of created.namespaces.filter((n) => namespaces.has(n))) {
    const pids = await netnsPids(ns);
    left.push(`namespace ${ns}${pids.length > 0 ? ` with processes ${pids.join(', ')}` : ''}`);
  }
  for (const link of [...created.links, ...(created.bridge ? [created.bridge] : [])]) {
    if (await linkExists(link)) left.push(`link ${link}`);
  }
  return left;
}

export async function labDown(
  name: string,
  opts: { stateRoot?: string; pathEnv?: string } = {},
): Promise<LabDownResult> {
  return withLabLock(() => labDownLocked(name, opts));
}

async function labDownLocked(name: string, opts: { stateRoot?: string; pathEnv?: string }): Promise<LabDownResult> {
  requireRoot('gardenos lab down');
  requireTools(opts.pathEnv, ['ip', 'nft']);
  const stateRoot = opts.stateRoot ?? LAB_STATE_ROOT;
  const file = join(stateRoot, parseLabName(name), 'manifest.json');
  const manifest = readManifest(file);
  if (!manifest) return { existed: false, removed: [], left: [], kept: [] };
  const result = await teardown(manifest.created);
  const left = [...new Set([...result.left, ...(await stillThere(manifest.created))])];
  if (left.length > 0) {
    // Keep the record of what is left, so a second down can finish the job.
    writeManifest(file, { ...manifest, created: result.remaining });
    return { existed: true, removed: result.removed, left, kept: [] };
  }
  const released = releaseMachineDirs(stateRoot, manifest.name);
  return {
    existed: true,
    removed: [...result.removed, ...released.removed.map((d) => `dir ${d}`)],
    left: [],
    kept: released.kept,
  };
}
