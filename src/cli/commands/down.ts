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

Stops services, the router, HAProxy, then the replicas, then the leader, then etcd (TERM, then KILL
after a grace period); then any PostgreSQL still running in a data dir (fast, then immediate shutdown)
and any other process started for this platform. Reports "down" only when no process of the platform
is left and every port is free; otherwise names what is left and exits 1.
Data is kept unless --purge is given; --purge deletes the whole state dir and needs --yes. It refuses
while any process still uses the state dir (exit 1, nothing deleted).

${PLATFORM_USAGE}
      --purge           also delete the state dir (data, configs, secrets, logs)
      --yes             confirm --purge`,
  options: { ...PLATFORM_OPTIONS, purge: { type: 'boolean' }, yes: { type: 'boolean' } },
  async run(ctx) {
    const spec = await readPlatformSpec(ctx, 'down');
    const purge = ctx.values.purge === true;
    if (purge && ctx.values.yes !== true) {
      throw new GardenError(
        'CONFIRM_REQUIRED',
        `--purge would delete ${spec.local.stateDir} with all its data, and --yes was not given. Nothing was changed.`,
        {
          hint: 'add --yes to confirm, or leave out --purge to keep the data',
          exitCode: 2,
        },
      );
    }
    const platform = openPlatform(spec, new NodeProcessRunner());
    const result = await down(platform, { purge, reporter: progressReporter(ctx.err, ctx.env) });
    const { processes, ports } = result.left;
    if (processes.length > 0 || ports.length > 0) {
      // Not "down": say exactly what is still there, and that nothing was deleted.
      const what = [
        ...processes.map((p) => `pid ${p.pid} (${p.command})`),
        ...ports.map((p) => `port ${spec.local.bindAddress}:${p.port} (${p.owner}) is still in use`),
      ];
      ctx.err.write(
        `GardenOS ${spec.name} is NOT fully down: ${what.join('; ')}.${purge ? ` Nothing was deleted.` : ''}\n` +
          `  fix: see what holds a port with \`ss -ltnp 'sport = :${ports[0]?.port ?? spec.local.basePort}'\`, stop it, then run \`gardenos down\` again\n`,
      );
      return 1;
    }
    const killed = result.stopped.filter((s) => s.how === 'killed').map((s) => s.id);
    ctx.out.write(
      `GardenOS ${spec.name} is down: ${result.stopped.length} processes stopped` +
        `${killed.length > 0 ? ` (${killed.join(', ')} needed SIGKILL)` : ''}` +
        `${result.orphansStopped.length > 0 ? `, and ${result.orphansStopped.join(', ')}` : ''}` +
        `; no process left, every port free` +
        `${purge ? `, ${spec.local.stateDir} deleted` : `; data kept in ${spec.local.stateDir}`}.\n`,
    );
    return 0;
  },
};

export default command;
