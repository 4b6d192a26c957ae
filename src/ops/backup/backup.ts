// `gardenos backup` and `backup list`: pgBackRest against the current leader, stanza created on first use.
// The same steps on both targets: BackupContext says where pgBackRest runs and how it finds the leader.
import { GardenError } from '../../errors.js';
import { localClusterReader, pgbackrestPaths, type Layout } from '../../local/index.js';
import type { OsUser } from '../../runtime/index.js';
import { type ClusterReader } from '../../patroni/index.js';
import { localTopology, nodePgOptions, stanzaOf } from '../../render/index.js';
import type { Spec } from '../../spec/index.js';
import { parseInfo, type BackupSet, type StanzaInfo } from './info.js';
import { assertOk, type PgbackrestRunner } from './pgbackrest-runner.js';

export interface BackupContext {
  spec: Spec;
  /** Runs pgBackRest where the repository's commands run (this machine, or the repository host over SSH). */
  run: PgbackrestRunner;
  /** pgBackRest's config file there. */
  configFile: string;
  /** Where pgBackRest logs there, for hints. */
  logDir: string;
  /** The member holding the leader lock. */
  leader(): Promise<string>;
  /** Options that point a command at the leader's PostgreSQL; none where the config lists every server. */
  leaderArgs(leader: string): string[];
}

/** The local platform's context: pgBackRest here, pointed at the leader's data dir and socket per command. */
export interface LocalBackupContext extends BackupContext {
  layout: Layout;
  pgUser: OsUser | undefined;
}

export function localBackupContext(
  spec: Spec,
  layout: Layout,
  pgUser: OsUser | undefined,
  run: PgbackrestRunner,
): LocalBackupContext {
  const paths = pgbackrestPaths(layout);
  return {
    spec,
    layout,
    pgUser,
    run,
    configFile: paths.configFile,
    logDir: paths.logDir,
    leader: () => currentLeader(spec),
    leaderArgs: (leader) => nodePgOptions(spec, localTopology(spec), paths, leader),
  };
}

export type BackupType = 'full' | 'diff' | 'incr';

export function assertBackupEnabled(spec: Spec): asserts spec is Spec & { backup: NonNullable<Spec['backup']> } {
  if (!spec.backup) {
    throw new GardenError(
      'NOT_CONFIGURED',
      `Backups are not enabled for ${spec.name}: WAL archiving is off, so there is nothing to back up or restore from.`,
      {
        hint: 'set `backup: { enabled: true }` in gardenos.yaml and create the platform with it (archive_mode needs a fresh cluster: `gardenos down --purge --yes`, then `gardenos up`)',
      },
    );
  }
}

/** The member holding the leader lock, asked of the first Patroni that answers and names one. */
export async function currentLeader(
  spec: Spec,
  reader: ClusterReader = localClusterReader(spec, 2000),
): Promise<string> {
  const { leader } = await reader.read({ accept: (v) => v.leader !== null });
  if (leader) return leader;
  throw new GardenError('CLUSTER_STATE', `The cluster ${spec.name} has no leader, so there is no primary to back up.`, {
    hint: `run \`gardenos doctor\` and \`gardenos status\`; ${spec.hosts ? 'set the hosts up with `gardenos provision`' : 'start the platform with `gardenos up`'}`,
  });
}

function leaderArgs(ctx: BackupContext, leader: string): string[] {
  return [`--config=${ctx.configFile}`, `--stanza=${stanzaOf(ctx.spec)}`, ...ctx.leaderArgs(leader)];
}

/** stanza-create is idempotent: it creates the stanza once and afterwards only verifies it. */
export async function ensureStanza(ctx: BackupContext, leader: string): Promise<void> {
  assertOk(
    await ctx.run([...leaderArgs(ctx, leader), 'stanza-create'], { timeoutMs: 60_000 }),
    'pgbackrest stanza-create',
    `read ${ctx.logDir} and check that the PostgreSQL user can write ${ctx.spec.backup?.repoPath ?? 'the repository'}${ctx.spec.backup?.repoHost ? ` on ${ctx.spec.backup.repoHost}` : ''}`,
  );
}

/**
 * `check` switches WAL and waits until that segment is archived. It also wakes PostgreSQL's archiver,
 * which otherwise retries segments that failed before the stanza existed only once a minute.
 */
export async function checkArchiving(ctx: BackupContext, leader: string): Promise<void> {
  assertOk(
    await ctx.run([...leaderArgs(ctx, leader), 'check'], { timeoutMs: 120_000 }),
    'pgbackrest check (WAL archiving)',
    'PostgreSQL cannot archive WAL: see `gardenos logs` of the leader and the pgBackRest log dir',
  );
}

export async function takeBackup(
  ctx: BackupContext,
  type: BackupType,
  onStep: (s: string) => void = () => undefined,
): Promise<BackupSet> {
  assertBackupEnabled(ctx.spec);
  const leader = await ctx.leader();
  onStep(`stanza ${stanzaOf(ctx.spec)} on leader ${leader}`);
  await ensureStanza(ctx, leader);
  // A backup whose WAL never reaches the repository cannot be restored: prove archiving works first.
  onStep('check WAL archiving');
  await checkArchiving(ctx, leader);
  onStep(`${type} backup`);
  const before = (await listBackups(ctx)).backups.map((b) => b.label);
  assertOk(
    await ctx.run([...leaderArgs(ctx, leader), `--type=${type}`, 'backup'], { timeoutMs: 3_600_000 }),
    `pgbackrest ${type} backup`,
    `read the pgBackRest log in ${ctx.logDir}`,
    'an unfinished backup set is marked incomplete and removed by the next backup',
  );
  const created = (await listBackups(ctx)).backups.find((b) => !before.includes(b.label));
  if (!created)
    throw new GardenError('BACKUP_FAILED', 'pgBackRest reported success but no new backup set is listed.', {
      hint: 'run `gardenos backup list` and read the pgBackRest log',
    });
  return created;
}

export async function listBackups(ctx: BackupContext): Promise<StanzaInfo> {
  assertBackupEnabled(ctx.spec);
  const r = assertOk(
    await ctx.run([`--config=${ctx.configFile}`, `--stanza=${stanzaOf(ctx.spec)}`, '--output=json', 'info'], {
      timeoutMs: 60_000,
    }),
    'pgbackrest info',
    `check the pgBackRest config ${ctx.configFile}`,
  );
  return parseInfo(r.stdout, stanzaOf(ctx.spec));
}
