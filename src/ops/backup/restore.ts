// `gardenos restore`: a fresh cluster from a pgBackRest backup through Patroni's custom bootstrap.
// Old data dirs are moved aside (never deleted) and the DCS keys are backed up before they are cleared.
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { deleteScope, fastEtcdClient, readScope } from '../../dcs/index.js';
import { GardenError, describeCause } from '../../errors.js';
import {
  stopOrphanedPostmasters,
  checkBinaries,
  etcdClientTls,
  etcdTlsFiles,
  patroniServerTls,
  haproxyRoutesProbe,
  patroniMembersProbe,
  pgbackrestPaths,
  primaryAndReplicasProbe,
  readSecrets,
  type LocalPlatform,
  localClusterReader,
  localPgSsl,
} from '../../local/index.js';
import { silentReporter, ensureOwnedDir, waitUntil, withPg, writeAtomic, type OsUser } from '../../runtime/index.js';
import {
  archiveCommand,
  etcdClientUrls,
  localTopology,
  pgAddress,
  renderPatroniConfig,
  restoreCommand,
  scopePrefix,
  type RestoreTarget,
} from '../../render/index.js';
import { writeDcsBackup } from '../dcs-reset.js';
import { assertBackupEnabled, listBackups, type LocalBackupContext } from './backup.js';
import type { BackupSet } from './info.js';

export interface RestorePlan {
  target: RestoreTarget;
  set: BackupSet;
  /** The node Patroni bootstraps from the backup; the others clone from it. */
  first: string;
  moves: { node: string; from: string; to: string }[];
}

export function parseTargetTime(text: string): string {
  const t = new Date(text);
  if (Number.isNaN(t.getTime()) || !/\d{4}-\d\d-\d\d/.test(text)) {
    throw new GardenError('USAGE', `--to-time "${text}" is not a timestamp.`, {
      hint: 'use ISO 8601 with a zone, e.g. --to-time 2026-11-22T00:30:00Z',
    });
  }
  return t.toISOString();
}

export async function planRestore(
  ctx: LocalBackupContext,
  target: RestoreTarget,
  now = new Date(),
): Promise<RestorePlan> {
  assertBackupEnabled(ctx.spec);
  const info = await listBackups(ctx);
  if (info.backups.length === 0) {
    throw new GardenError('RESTORE_FAILED', `There is no backup of ${ctx.spec.name} to restore from.`, {
      hint: 'take one with `gardenos backup`',
    });
  }
  let set = info.backups[info.backups.length - 1]!;
  if (target.kind === 'time') {
    // pgBackRest reports whole seconds: a backup stopping at :00 may have ended at :00.9.
    const endOf = (b: BackupSet) => new Date(new Date(b.stop).getTime() + 1000).toISOString();
    const candidates = info.backups.filter((b) => endOf(b) <= target.time);
    if (candidates.length === 0) {
      throw new GardenError(
        'RESTORE_FAILED',
        `${target.time} is before the end of the oldest backup (${endOf(info.backups[0]!)}); no backup can reach it.`,
        {
          hint: `choose a time after ${endOf(info.backups[0]!)}, or restore --latest`,
        },
      );
    }
    if (target.time > now.toISOString()) {
      throw new GardenError('RESTORE_FAILED', `${target.time} is in the future; recovery would never reach it.`, {
        hint: 'use --latest to replay every archived change',
      });
    }
    set = candidates[candidates.length - 1]!;
  }
  const first = ctx.spec.nodes.find((n) => !n.nofailover)?.name ?? ctx.spec.nodes[0]!.name;
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const moves = ctx.spec.nodes
    .map((n) => ({
      node: n.name,
      from: ctx.layout.pgDataDir(n.name),
      to: `${ctx.layout.pgDataDir(n.name)}.before-restore-${stamp}`,
    }))
    .filter((m) => existsSync(m.from));
  return { target, set, first, moves };
}

function writePatroniYml(platform: LocalPlatform, node: string, pgUser: OsUser | undefined, restore?: string): void {
  const { spec, layout } = platform;
  const topology = localTopology(spec);
  const paths = pgbackrestPaths(layout);
  const text = renderPatroniConfig({
    spec,
    topology,
    node: topology.nodes.find((n) => n.name === node)!,
    secrets: readSecrets(layout),
    dataDir: layout.pgDataDir(node),
    binDir: checkBinaries(spec.postgres.version).pgBinDir,
    runDir: layout.nodeRunDir(node),
    ...(spec.etcd.scheme === 'https' ? { etcdTls: etcdTlsFiles(layout.certsDir, 'patroni') } : {}),
    // The same certificate up gave it: without it the restored node would serve neither TLS nor https.
    ...patroniServerTls(spec, layout.certsDir, node),
    archiveCommand: archiveCommand(spec, paths),
    ...(restore ? { restoreCommand: restore } : {}),
  });
  writeAtomic(layout.patroniConfig(node), text, 0o600, pgUser);
}

export async function applyRestore(
  ctx: LocalBackupContext,
  platform: LocalPlatform,
  plan: RestorePlan,
  onStep: (s: string) => void,
): Promise<{ dcsBackup: string }> {
  const { spec, layout } = platform;
  const patronis = platform.processes.filter((p) => p.spec.kind === 'patroni');
  onStep('stop Patroni and PostgreSQL on every node');
  for (const p of patronis) await p.stop({ graceMs: 60_000 });
  // A PostgreSQL that Patroni was (re)starting can outlive it: never move a data dir under a live server.
  await stopOrphanedPostmasters(platform, platform.runner, silentReporter);
  const moved: string[] = [];
  try {
    // Read and back up the DCS keys before touching any data dir: if etcd is down, nothing else changes.
    onStep(`back up and clear the DCS keys under ${scopePrefix(spec)}`);
    const etcd = fastEtcdClient(etcdClientUrls(spec), 5000, etcdClientTls(platform));
    let dcsBackup: string;
    try {
      const snapshot = await readScope(etcd, scopePrefix(spec));
      dcsBackup = writeDcsBackup(join(layout.root, 'backups', 'dcs'), spec, snapshot);
      for (const m of plan.moves) {
        renameSync(m.from, m.to);
        moved.push(m.to);
      }
      for (const n of spec.nodes) ensureOwnedDir(layout.pgDataDir(n.name), 0o700, ctx.pgUser);
      await deleteScope(etcd, snapshot);
    } finally {
      etcd.close();
    }
    const topology = localTopology(spec);
    const restore = restoreCommand(spec, topology, pgbackrestPaths(layout), plan.first, plan.target, plan.set.label);
    for (const n of spec.nodes)
      writePatroniYml(platform, n.name, ctx.pgUser, n.name === plan.first ? restore : undefined);
    onStep(
      `restore ${plan.set.label} into ${plan.first}${plan.target.kind === 'time' ? ` and replay WAL to ${plan.target.time}` : ' and replay all archived WAL'}`,
    );
    const firstProcess = patronis.find((p) => p.spec.member === plan.first)!;
    await firstProcess.start();
    const firstOnly = localClusterReader(spec, 2000, [plan.first]);
    const secrets = readSecrets(layout);
    await waitUntil(
      async () => {
        if (!firstProcess.running()) {
          throw new GardenError(
            'RESTORE_FAILED',
            `Patroni on ${plan.first} exited during the restore bootstrap (its data dir was renamed data.failed).`,
            {
              hint: `read \`gardenos logs ${plan.first}\` (${firstProcess.spec.launch.logFile}) and the pgBackRest log in ${pgbackrestPaths(layout).logDir}`,
            },
          );
        }
        // The reader keeps a non-answer as data, not a thrown GardenError (which would end waitUntil at once):
        // while Patroni starts, "not answering" is just "not yet".
        const cluster = await firstOnly.read();
        if (cluster.source === null) return `Patroni on ${plan.first} does not answer yet`;
        if (!cluster.members.some((m) => m.name === plan.first && m.role === 'leader' && m.state === 'running'))
          return `${plan.first} is not the running leader yet`;
        return withPg(
          spec,
          secrets,
          pgAddress(spec, plan.first),
          async (c) =>
            (await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r
              ? 'still in recovery'
              : undefined,
          localPgSsl(spec),
        );
      },
      {
        timeoutMs: 600_000,
        what: `${plan.first} restored and promoted`,
        hint: `read \`gardenos logs ${plan.first}\` and the pgBackRest log in ${pgbackrestPaths(layout).logDir}`,
      },
    );
    // Bootstrapping is over: the restore method must not run again if the node is ever wiped.
    writePatroniYml(platform, plan.first, ctx.pgUser);
    onStep('start the other members; they clone from the restored leader');
    for (const p of patronis.filter((x) => x.spec.member !== plan.first)) await p.start();
    await waitUntil(primaryAndReplicasProbe(spec, secrets), {
      timeoutMs: 300_000,
      what: 'replicas streaming from the restored leader',
      hint: 'read `gardenos logs patroni`',
    });
    // Done only when clients see the new cluster the way `gardenos up` promises: routes and member states settled.
    await waitUntil(haproxyRoutesProbe(spec, layout), {
      timeoutMs: 60_000,
      what: 'HAProxy routes converged',
      hint: 'read `gardenos logs haproxy`',
    });
    await waitUntil(patroniMembersProbe(spec), {
      timeoutMs: 120_000,
      what: 'every member running',
      hint: 'read `gardenos logs patroni`',
    });
    return { dcsBackup };
  } catch (err) {
    throw new GardenError('RESTORE_FAILED', `Restore failed: ${describeCause(err)}`, {
      hint: 'read the logs named above; the old data dirs are intact and can be moved back while Patroni is stopped',
      cause: err,
      leftBehind: `Patroni is stopped on every node; ${moved.length > 0 ? `the old data dirs are at ${moved.join(', ')}` : 'no data dir was moved'}`,
    });
  }
}
