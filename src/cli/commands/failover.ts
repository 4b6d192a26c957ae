// gardenos failover
import { GardenError } from '../../errors.js';
import { failover } from '../../ops/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command } from '../command.js';
import { confirmPlan } from '../confirm.js';
import { openAccess } from '../access.js';
import { primaryEndpointText as endpoint } from '../../ops/access.js';

const command: Command = {
  name: 'failover',
  summary: 'promote a named node',
  usage: `Usage: gardenos failover --to NAME [options]

Manual failover through Patroni, for when there is no healthy leader (prefer switchover otherwise).
Returns once a write through the primary port lands on NAME.
Asks for confirmation on a terminal; --yes confirms without asking (needed without a terminal).

${PLATFORM_USAGE}
      --to NAME         the node to promote (required)
      --yes             confirm without asking`,
  options: { ...PLATFORM_OPTIONS, to: { type: 'string' }, yes: { type: 'boolean' } },
  async run(ctx) {
    const to = ctx.values.to as string | undefined;
    if (!to)
      throw new GardenError('USAGE', 'failover needs --to NAME.', {
        hint: 'name the node to promote, e.g. `gardenos failover --to pg2`',
      });
    const access = await openAccess(ctx);
    const { spec } = access;
    await confirmPlan(ctx, 'gardenos failover', [
      `promote ${to} of ${spec.name} now, without waiting for the current leader (if any) to hand over`,
      'transactions the old leader committed but did not yet send to it can be lost, unless synchronous mode names it the sync standby',
    ]);
    const r = await failover(access, { to });
    ctx.out.write(
      `failed over from ${r.from ?? '(no leader)'} to ${r.to}: writes through ${endpoint(access)} reach ${r.to} after ${(r.elapsedMs / 1000).toFixed(2)} s\n`,
    );
    return 0;
  },
};

export default command;
