// gardenos backup [--type full|diff|incr] | backup list
import { GardenError } from '../../errors.js';
import { listBackups, takeBackup, type BackupContext, type BackupType } from '../../ops/backup/index.js';
import { backupContext } from '../backup-context.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command, type CommandContext } from '../command.js';
import { progressReporter, table } from '../output.js';
import { readPlatformSpec, readSpec, specDirOf } from '../spec-source.js';

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

const command: Command = {
  name: 'backup',
  summary: 'take a pgBackRest backup, or list them',
  usage: `Usage: gardenos backup [--type full|diff|incr] [options]
       gardenos backup list [--json] [options]

Backs up the current leader with pgBackRest (stanza = cluster name, repository in the state dir
unless backup.repoPath says otherwise). Needs \`backup: { enabled: true }\` in the spec, which turns
on WAL archiving through Patroni. The first run creates the stanza and checks that WAL archiving works.
With a hosts spec, pgBackRest runs on backup.repoHost over SSH, where the one repository is.

${PLATFORM_USAGE}
      --type T          full (default), diff or incr
      --json            machine-readable list`,
  options: { ...PLATFORM_OPTIONS, type: { type: 'string' }, json: { type: 'boolean' } },
  async run(ctx) {
    const sub = ctx.positionals[0];
    if (sub !== undefined && sub !== 'list')
      throw new GardenError('USAGE', `Unknown subcommand "backup ${sub}".`, {
        hint: 'use `gardenos backup` or `gardenos backup list`',
      });
    const type = (ctx.values.type as string | undefined) ?? 'full';
    if (!['full', 'diff', 'incr'].includes(type))
      throw new GardenError('USAGE', `--type must be full, diff or incr, got "${type}".`, {
        hint: 'for example --type incr',
      });
    const { ctx: bctx, close } = await openBackupContext(ctx);
    try {
      return await runBackup(ctx, bctx, sub, type);
    } finally {
      await close();
    }
  },
};

/** The local platform's pgBackRest, or the repository host's over SSH for a hosts spec. */
async function openBackupContext(ctx: CommandContext): Promise<{ ctx: BackupContext; close: () => Promise<void> }> {
  const { spec } = await readSpec(ctx);
  if (!spec.hosts) return { ctx: backupContext(await readPlatformSpec(ctx, 'backup')), close: async () => undefined };
  const [{ hostsAccess }, { hostsBackupContext, repoHostOf }, { connectAll }] = await Promise.all([
    import('../../hosts/access.js'),
    import('../../hosts/backup.js'),
    import('../../hosts/provision/connect.js'),
  ]);
  const repo = repoHostOf(spec);
  const access = hostsAccess(spec);
  const shells = await connectAll([repo], {
    specDir: specDirOf(ctx),
    stateDir: spec.local.stateDir,
    agentSocket: ctx.env.SSH_AUTH_SOCK,
    acceptNewHostKey: [],
  });
  const shell = shells.get(repo.name)!;
  return { ctx: hostsBackupContext(access, shell), close: () => shell.close() };
}

async function runBackup(
  ctx: CommandContext,
  bctx: BackupContext,
  sub: string | undefined,
  type: string,
): Promise<number> {
  if (sub === 'list') {
    const info = await listBackups(bctx);
    if (ctx.values.json) {
      ctx.out.write(JSON.stringify(info, null, 2) + '\n');
      return 0;
    }
    ctx.out.write(
      `pgBackRest stanza ${info.stanza}: ${info.status}; WAL archived ${info.archive.min ?? '-'} .. ${info.archive.max ?? '-'}\n`,
    );
    if (info.backups.length === 0) ctx.out.write('  (no backups yet: run `gardenos backup`)\n');
    else
      ctx.out.write(
        table([
          ['LABEL', 'TYPE', 'STARTED', 'FINISHED', 'SIZE', 'IN REPO'],
          ...info.backups.map((b) => [b.label, b.type, b.start, b.stop, mib(b.sizeBytes), mib(b.repoSizeBytes)]),
        ]) + '\n',
      );
    return 0;
  }
  const reporter = progressReporter(ctx.err, ctx.env);
  let done: ((r?: string) => void) | undefined;
  const set = await takeBackup(bctx, type as BackupType, (s) => {
    done?.();
    done = reporter.step(s);
  });
  done?.();
  ctx.out.write(
    `${set.type} backup ${set.label} finished at ${set.stop} (${mib(set.sizeBytes)}, ${mib(set.repoSizeBytes)} in the repository)\n`,
  );
  return 0;
}

export default command;
