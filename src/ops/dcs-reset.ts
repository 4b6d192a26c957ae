// `dcs reset`: refuse while Patroni answers, back up every key of the scope, then delete exactly its prefix.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { deleteScope, readScope, type ScopeSnapshot } from '../dcs/index.js';
import { GardenError } from '../errors.js';
import { scopePrefix } from '../render/index.js';
import type { Spec } from '../spec/index.js';
import type { PlatformAccess } from './access.js';

export interface DcsResetPlan {
  snapshot: ScopeSnapshot;
  /** Members whose Patroni REST API answered: they would rewrite the keys at once. */
  liveMembers: string[];
}

/** Any HTTP answer from /patroni counts as alive; only a refused or timed-out connection does not. */
export async function livePatroniMembers(access: PlatformAccess, timeoutMs = 1500): Promise<string[]> {
  const answers = await Promise.all(
    access.spec.nodes.map(async (n) => {
      try {
        await access.patroni(n.name, timeoutMs).health('/patroni');
        return n.name;
      } catch {
        return undefined;
      }
    }),
  );
  return answers.filter((n): n is string => n !== undefined);
}

export async function planDcsReset(
  access: PlatformAccess,
  client: Etcd3,
  opts: { force: boolean },
): Promise<DcsResetPlan> {
  const { spec } = access;
  const liveMembers = await livePatroniMembers(access);
  if (liveMembers.length > 0 && !opts.force) {
    throw new GardenError(
      'CLUSTER_STATE',
      `Patroni still answers on ${liveMembers.join(', ')}; resetting the DCS under a running cluster makes Patroni rewrite the keys or split the cluster. Nothing was changed.`,
      {
        hint: spec.hosts
          ? 'stop Patroni (the gardenos-patroni service) on every host first; if the members are stuck ("waiting for leader to bootstrap") and you have read `gardenos dcs show`, pass --force, then restart Patroni on each host'
          : 'stop the Patroni members first; if they are stuck ("waiting for leader to bootstrap") and you have read `gardenos dcs show`, pass --force, then restart them with `gardenos down` and `gardenos up`',
      },
    );
  }
  return { snapshot: await readScope(client, scopePrefix(spec)), liveMembers };
}

/** The backup is written before anything is deleted, 0600 (member values name hosts and ports). */
export function writeDcsBackup(dir: string, spec: Spec, snapshot: ScopeSnapshot, now = new Date()): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `dcs-${spec.name}-${now.toISOString().replace(/[:.]/g, '-')}.json`);
  const body = {
    scope: spec.name,
    prefix: snapshot.prefix,
    revision: snapshot.revision,
    takenAt: now.toISOString(),
    keys: snapshot.keys.map((k) => ({
      key: k.key,
      value: k.value,
      valueBase64: Buffer.from(k.value).toString('base64'),
      modRevision: k.modRevision,
      lease: k.lease,
    })),
  };
  writeFileSync(path, JSON.stringify(body, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return path;
}

export async function applyDcsReset(client: Etcd3, plan: DcsResetPlan): Promise<number> {
  return deleteScope(client, plan.snapshot);
}
