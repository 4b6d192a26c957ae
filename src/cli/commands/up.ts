// gardenos up
import { GardenError } from '../../errors.js';
import { layoutOf, NodeProcessRunner, up } from '../../local/index.js';
import { collectStatus } from '../../ops/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command } from '../command.js';
import { colorsFor, progressReporter, table } from '../output.js';
import { readSpec } from '../spec-source.js';
import { ensureArchiving } from '../up-backup.js';
import { renderStatus } from '../status-view.js';

const command: Command = {
  name: 'up',
  summary: 'start the local HA platform',
  usage: `Usage: gardenos up [options]

Starts etcd, Patroni/PostgreSQL and HAProxy as local processes and waits until the primary port
takes writes and every replica streams. On a running platform it only restarts what is missing.

${PLATFORM_USAGE}
      --timeout SECS    how long to wait for each readiness step (default 120)`,
  options: { ...PLATFORM_OPTIONS, timeout: { type: 'string' } },
  async run(ctx) {
    const { spec, source } = await readSpec(ctx);
    if (spec.hosts) {
      throw new GardenError(
        'USAGE',
        `${source} describes servers (a hosts section), so \`up\` has nothing to start on this machine.`,
        {
          hint: '`gardenos provision` sets up those hosts over SSH (`--dry-run` first); to run the platform on this machine, use a spec without hosts',
        },
      );
    }
    const reporter = progressReporter(ctx.err, ctx.env);
    const timeoutMs = ctx.values.timeout ? Number(ctx.values.timeout) * 1000 : undefined;
    const result = await up({ spec, runner: new NodeProcessRunner(), reporter, ...(timeoutMs ? { timeoutMs } : {}) });
    if (spec.backup) await ensureArchiving(spec, reporter);
    const c = colorsFor(ctx.out, ctx.env);
    const secs = (result.elapsedMs / 1000).toFixed(1);
    const headline = {
      created: `GardenOS ${spec.name} is up: created in ${secs} s`,
      healed: `GardenOS ${spec.name} is up: restarted ${result.started.length ? result.started.join(', ') : 'nothing (waited for recovery)'} in ${secs} s`,
      'already-running': `GardenOS ${spec.name} is already running and healthy (checked in ${secs} s)`,
    }[result.outcome];
    const host = spec.local.bindAddress;
    const url = (port: number) => `postgresql://${spec.postgres.superuser}:****@${host}:${port}/postgres`;
    ctx.out.write(
      [
        c.green(c.bold(headline)),
        '',
        table([
          ['primary (read/write)', url(spec.haproxy.primaryPort)],
          ['replicas (read-only)', url(spec.haproxy.replicaPort)],
          ['HAProxy stats', `http://${host}:${spec.haproxy.statsPort}/stats`],
          ['password', `gardenos secrets --show   (stored 0600 in ${layoutOf(spec.local.stateDir).secretsFile})`],
          ['shell', 'gardenos psql   |   gardenos status   |   gardenos down'],
        ]),
        '',
      ].join('\n') + '\n',
    );
    ctx.out.write(renderStatus(await collectStatus(result.platform), ctx.out, ctx.env));
    return 0;
  },
};

export default command;
