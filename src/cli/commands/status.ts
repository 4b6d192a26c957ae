// gardenos status
import { NodeProcessRunner } from '../../local/node-process-runner.js';
import { openPlatform } from '../../local/platform.js';
import { collectStatus, type PlatformStatus } from '../../ops/status.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command } from '../command.js';
import { readPlatformSpec, readSpec, specDirOf } from '../spec-source.js';
import { renderStatus } from '../status-view.js';

const EXIT: Record<PlatformStatus['health'], number> = { healthy: 0, degraded: 1, down: 2 };

const command: Command = {
  name: 'status',
  summary: 'show the platform state',
  usage: `Usage: gardenos status [--json] [--watch] [options]

One screen: etcd members, Patroni members, HAProxy backends, endpoints.
Exit code: 0 healthy, 1 degraded, 2 not running or error. The --json schema is in docs/status-json.md.

${PLATFORM_USAGE}
      --json            machine-readable output
      --watch           refresh every 2 s until interrupted`,
  options: { ...PLATFORM_OPTIONS, json: { type: 'boolean' }, watch: { type: 'boolean' } },
  async run(ctx) {
    const { spec } = await readSpec(ctx);
    const collect = spec.hosts
      ? async () =>
          (await import('../../hosts/status.js')).collectHostsStatus(spec, {
            specDir: specDirOf(ctx),
            agentSocket: ctx.env.SSH_AUTH_SOCK,
          })
      : (
          (platform) => () =>
            collectStatus(platform)
        )(openPlatform(await readPlatformSpec(ctx), new NodeProcessRunner()));
    const show = async () => {
      const status = await collect();
      ctx.out.write(ctx.values.json ? JSON.stringify(status, null, 2) + '\n' : renderStatus(status, ctx.out, ctx.env));
      return EXIT[status.health];
    };
    if (!ctx.values.watch) return show();
    for (;;) {
      if (ctx.out.isTTY && !ctx.values.json) ctx.out.write('\x1b[2J\x1b[H');
      await show();
      await new Promise((r) => setTimeout(r, 2000));
    }
  },
};

export default command;
