// gardenos pooler resume: the way out of a pooler left paused by hand or by a crashed switchover.
import { GardenError } from '../../errors.js';
import { layoutOf, localPoolerControl } from '../../local/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command } from '../command.js';
import { readPlatformSpec, readSpec, specDirOf } from '../spec-source.js';

const command: Command = {
  name: 'pooler',
  summary: 'resume a paused PgBouncer',
  usage: `Usage: gardenos pooler resume [options]

Sends RESUME to the local platform's PgBouncer through its admin console, so clients queued behind a
pause go on. With a hosts spec, to every host's PgBouncer, over SSH (the gardenos agent on the host sends
it as PgBouncer's OS user); an unreachable host does not keep the others paused. \`gardenos switchover\` and the router resume it themselves; this is for a pause they
did not take (a PAUSE typed by hand, or a process killed mid-switchover). A pooler that is not paused
is left as it is; the output says which it was.

${PLATFORM_USAGE}`,
  options: { ...PLATFORM_OPTIONS },
  async run(ctx) {
    const [action] = ctx.positionals;
    if (action !== 'resume') {
      throw new GardenError('USAGE', `unknown pooler action ${action ? `"${action}"` : '(none)'}`, {
        hint: 'the one action is `gardenos pooler resume`',
      });
    }
    const { spec: given } = await readSpec(ctx);
    if (given.hosts) {
      const { hostsPoolerHosts } = await import('../../hosts/poolers.js');
      const { resumeHostsPoolers } = await import('../../hosts/pooler-resume.js');
      if (hostsPoolerHosts(given).length === 0) {
        throw new GardenError('NOT_CONFIGURED', `no host of ${given.name} runs PgBouncer`, {
          hint: 'PgBouncer runs beside HAProxy when pooler.enabled and router.enabled: there is nothing to resume',
        });
      }
      const outcomes = await resumeHostsPoolers(given, {
        specDir: specDirOf(ctx),
        stateDir: given.local.stateDir,
        agentSocket: ctx.env.SSH_AUTH_SOCK,
      });
      for (const o of outcomes.filter((x) => !x.error)) {
        ctx.out.write(`PgBouncer on ${o.host} (:${given.pooler.port}) ${resumedText(o.wasPaused === true)}\n`);
      }
      const failed = outcomes.filter((x) => x.error);
      if (failed.length > 0) {
        throw new GardenError(
          'HOST_COMMAND_FAILED',
          `PgBouncer did not take RESUME on ${failed.map((f) => `${f.host} (${f.error})`).join('; ')}`,
          {
            hint: `the others were resumed; \`gardenos status\` shows each pooler, \`gardenos logs ${failed[0]!.host}/pgbouncer\` why one is down; \`gardenos provision\` restarts a stopped one (a restart ends a pause too)`,
          },
        );
      }
      return 0;
    }
    const spec = await readPlatformSpec(ctx);
    const control = localPoolerControl(spec);
    if (!control) {
      throw new GardenError('NOT_CONFIGURED', `the platform ${spec.name} runs without a pooler`, {
        hint: 'pooler.enabled is false in its spec: there is nothing to resume',
      });
    }
    let wasPaused: boolean;
    try {
      wasPaused = await control.resumeIfPaused();
    } catch (err) {
      throw new GardenError('NOT_RUNNING', `PgBouncer (:${spec.pooler.port}) did not take RESUME`, {
        hint: `is it running? \`gardenos status\`; its admin socket is in ${layoutOf(spec.local.stateDir).pgbouncerDir}; \`gardenos up\` starts a stopped one`,
        cause: err,
      });
    }
    ctx.out.write(`PgBouncer (:${spec.pooler.port}) ${resumedText(wasPaused)}\n`);
    return 0;
  },
};

function resumedText(wasPaused: boolean): string {
  return wasPaused ? 'was paused: resumed, queued clients go on' : 'was not paused: left as it was';
}

export default command;
