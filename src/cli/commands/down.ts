// gardenos down
import { GardenError } from '../../errors.js';
import { down, NodeProcessRunner, openPlatform } from '../../local/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command } from '../command.js';
import { progressReporter } from '../output.js';
import { readPlatformSpec } from '../spec-source.js';

const command: Command = {
  name: 'down',
  summary: 'stop the local platform',
  usage: `Usage: gardenos down [--purge --yes] [options]

Stops HAProxy, then the replicas, then the leader, then etcd (TERM, then KILL after a grace period).
Data is kept unless --purge is given; --purge deletes the whole state dir and needs --yes.

${PLATFORM_USAGE}
      --purge           also delete the state dir (data, configs, secrets, logs)
      --yes             confirm --purge`,
  options: { ...PLATFORM_OPTIONS, purge: { type: 'boolean' }, yes: { type: 'boolean' } },
  async run(ctx) {
    const spec = readPlatformSpec(ctx);
    const purge = ctx.values.purge === true;
    if (purge && ctx.values.yes !== true) {
      throw new GardenError('CONFIRM_REQUIRED', `--purge would delete ${spec.local.stateDir} with all its data, and --yes was not given. Nothing was changed.`, {
        hint: 'add --yes to confirm, or leave out --purge to keep the data', exitCode: 2,
      });
    }
    const platform = openPlatform(spec, new NodeProcessRunner());
    const result = await down(platform, { purge, reporter: progressReporter(ctx.err, ctx.env) });
    ctx.out.write(`GardenOS ${spec.name} is down: ${result.stopped.length} processes stopped` +
      `${result.stopped.some((s) => s.how === 'killed') ? ` (${result.stopped.filter((s) => s.how === 'killed').map((s) => s.id).join(', ')} needed SIGKILL)` : ''}` +
      `${purge ? `, ${spec.local.stateDir} deleted` : `; data kept in ${spec.local.stateDir}`}.\n`);
    return 0;
  },
};

export default command;
