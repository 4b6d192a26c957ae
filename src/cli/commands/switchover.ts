// gardenos switchover
import { layoutOf, readSecrets } from '../../local/index.js';
import { switchover } from '../../ops/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command } from '../command.js';
import { readPlatformSpec } from '../spec-source.js';

const command: Command = {
  name: 'switchover',
  summary: 'planned leader change',
  usage: `Usage: gardenos switchover [--to NAME] [options]

Asks Patroni for a planned switchover (to NAME, or to the sync standby / least-lagging replica) and
returns once a write through the primary port lands on the new leader, with the elapsed time.

${PLATFORM_USAGE}
      --to NAME         the replica to promote`,
  options: { ...PLATFORM_OPTIONS, to: { type: 'string' } },
  async run(ctx) {
    const spec = readPlatformSpec(ctx);
    const to = ctx.values.to as string | undefined;
    const r = await switchover(spec, readSecrets(layoutOf(spec.local.stateDir)), to ? { to } : {});
    ctx.out.write(`switched over from ${r.from} to ${r.to}: writes through :${spec.haproxy.primaryPort} reach ${r.to} after ${(r.elapsedMs / 1000).toFixed(2)} s\n`);
    return 0;
  },
};

export default command;
