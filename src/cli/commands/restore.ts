// gardenos restore --latest | --to-time TS
import { GardenError } from '../../errors.js';
import { checkBinaries, NodeProcessRunner, openPlatform } from '../../local/index.js';
import { applyRestore, parseTargetTime, planRestore } from '../../ops/backup/index.js';
import type { RestoreTarget } from '../../render/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command } from '../command.js';
import { confirmPlan } from '../confirm.js';
import { progressReporter } from '../output.js';
import { readPlatformSpec } from '../spec-source.js';
import { backupContext } from '../backup-context.js';

const command: Command = {
  name: 'restore',
  summary: 'rebuild the cluster from a pgBackRest backup (point in time)',
  usage: `Usage: gardenos restore (--latest | --to-time TS) [--yes] [options]

Rebuilds the cluster from the repository: stops Patroni everywhere, moves every data dir aside
(data.before-restore-<time>, never deleted), backs up and clears the scope's DCS keys, then lets
Patroni bootstrap the first node with \`pgbackrest restore\` (custom bootstrap method) up to the target
and promote it; the other members clone from it. Asks for confirmation (or --yes).

${PLATFORM_USAGE}
      --latest          replay every archived change
      --to-time TS      stop before the first transaction that committed after TS (ISO 8601, with zone)
      --yes             do not ask`,
  options: {
    ...PLATFORM_OPTIONS,
    latest: { type: 'boolean' },
    'to-time': { type: 'string' },
    yes: { type: 'boolean' },
  },
  async run(ctx) {
    const toTime = ctx.values['to-time'] as string | undefined;
    if ((toTime === undefined) === (ctx.values.latest !== true)) {
      throw new GardenError('USAGE', 'gardenos restore needs exactly one of --latest or --to-time TS.', {
        hint: 'for example `gardenos restore --to-time 2026-11-22T00:30:00Z`',
      });
    }
    const target: RestoreTarget =
      toTime !== undefined ? { kind: 'time', time: parseTargetTime(toTime) } : { kind: 'latest' };
    const spec = await readPlatformSpec(ctx, 'restore');
    const bctx = backupContext(spec);
    const plan = await planRestore(bctx, target);
    await confirmPlan(ctx, 'gardenos restore', [
      `stop Patroni and PostgreSQL on ${spec.nodes.map((n) => n.name).join(', ')} (writes stop until the restore finishes)`,
      ...plan.moves.map((m) => `move ${m.node}'s data dir aside to ${m.to}`),
      `back up, then delete the DCS keys under ${spec.etcd.namespace}/${spec.name}/`,
      `restore backup ${plan.set.label} (${plan.set.type}, finished ${plan.set.stop}) into ${plan.first}, ${target.kind === 'time' ? `replaying WAL up to ${target.time}` : 'replaying all archived WAL'}`,
      'start the other members as fresh replicas of it',
    ]);
    const platform = openPlatform(spec, new NodeProcessRunner(), {
      binaries: checkBinaries(spec.postgres.version),
      ...(bctx.pgUser ? { pgUser: bctx.pgUser } : {}),
    });
    const reporter = progressReporter(ctx.err, ctx.env);
    let done: ((r?: string) => void) | undefined;
    const t0 = Date.now();
    const result = await applyRestore(bctx, platform, plan, (s) => {
      done?.();
      done = reporter.step(s);
    });
    done?.();
    ctx.out.write(
      `restored ${spec.name} from ${plan.set.label}${target.kind === 'time' ? ` to ${target.time}` : ''} in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
        `old data dirs kept: ${plan.moves.map((m) => m.to).join(', ') || 'none'}; DCS keys backed up to ${result.dcsBackup}\n`,
    );
    return 0;
  },
};

export default command;
