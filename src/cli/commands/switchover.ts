// gardenos switchover
import { switchover } from '../../ops/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command } from '../command.js';
import { confirmPlan } from '../confirm.js';
import { openAccess } from '../access.js';
import { primaryEndpointText as endpoint } from '../../ops/access.js';

const command: Command = {
  name: 'switchover',
  summary: 'planned leader change',
  usage: `Usage: gardenos switchover [--to NAME] [options]

Asks Patroni for a planned switchover (to NAME, or to the sync standby / least-lagging replica) and
returns once a write through the primary port lands on the new leader, with the elapsed time.
Asks for confirmation on a terminal; --yes confirms without asking (needed without a terminal).

${PLATFORM_USAGE}
      --to NAME         the replica to promote
      --yes             confirm without asking`,
  options: { ...PLATFORM_OPTIONS, to: { type: 'string' }, yes: { type: 'boolean' } },
  async run(ctx) {
    const access = await openAccess(ctx);
    const { spec } = access;
    const to = ctx.values.to as string | undefined;
    await confirmPlan(ctx, 'gardenos switchover', [
      `demote the current leader of ${spec.name} and promote ${to ?? 'the sync standby (or the least-lagging replica)'}`,
      `close the sessions on the old leader; writes through the primary endpoint (${endpoint(access)}) pause until the new leader takes them (about a second)`,
    ]);
    const r = await switchover(access, to ? { to } : {});
    ctx.out.write(
      `switched over from ${r.from} to ${r.to}: writes through ${endpoint(access)} reach ${r.to} after ${(r.elapsedMs / 1000).toFixed(2)} s\n`,
    );
    if (r.pooler?.pause === 'paused') {
      ctx.out.write(`PgBouncer (:${spec.pooler.port}) was paused across it: its clients waited instead of failing\n`);
    } else if (r.pooler) {
      ctx.err.write(
        `warning: PgBouncer's in-flight transactions did not finish within pooler.pauseTimeoutMs (${spec.pooler.pauseTimeoutMs} ms), so the switchover went ahead without the pause; those transactions may have failed\n`,
      );
    }
    if (r.pooler?.resumeError) {
      ctx.err.write(
        `warning: PgBouncer could not be resumed (${r.pooler.resumeError}); run \`gardenos up\` to restart it\n`,
      );
    }
    return 0;
  },
};

export default command;
