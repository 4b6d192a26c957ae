// gardenos pooler resume: the way out of a pooler left paused by hand or by a crashed switchover.
import { GardenError } from '../../errors.js';
import { layoutOf, localPoolerControl } from '../../local/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command } from '../command.js';
import { readPlatformSpec, readSpec } from '../spec-source.js';

const command: Command = {
  name: 'pooler',
  summary: 'resume a paused PgBouncer',
  usage: `Usage: gardenos pooler resume [options]

Sends RESUME to the local platform's PgBouncer through its admin console, so clients queued behind a
pause go on. \`gardenos switchover\` and the router resume it themselves; this is for a pause they
did not take (a PAUSE typed by hand, or a process killed mid-switchover). A pooler that is not paused
is left as it is.

${PLATFORM_USAGE}`,
  options: { ...PLATFORM_OPTIONS },
  async run(ctx) {
    const [action] = ctx.positionals;
    if (action !== 'resume') {
      throw new GardenError('USAGE', `unknown pooler action ${action ? `"${action}"` : '(none)'}`, {
        hint: 'the one action is `gardenos pooler resume`',
      });
    }
    if (readSpec(ctx).spec.hosts) {
      throw new GardenError('NOT_CONFIGURED', 'the hosts target has no pooler yet', {
        hint: 'PgBouncer runs on the local target only; remove hosts: from the spec to act on the local platform',
      });
    }
    const spec = readPlatformSpec(ctx);
    const control = localPoolerControl(spec);
    if (!control) {
      throw new GardenError('NOT_CONFIGURED', `the platform ${spec.name} runs without a pooler`, {
        hint: 'pooler.enabled is false in its spec: there is nothing to resume',
      });
    }
    try {
      await control.resume();
    } catch (err) {
      throw new GardenError('NOT_RUNNING', `PgBouncer (:${spec.pooler.port}) did not take RESUME`, {
        hint: `is it running? \`gardenos status\`; its admin socket is in ${layoutOf(spec.local.stateDir).pgbouncerDir}; \`gardenos up\` starts a stopped one`,
        cause: err,
      });
    }
    ctx.out.write(`PgBouncer (:${spec.pooler.port}) is not paused: queued clients go on\n`);
    return 0;
  },
};

export default command;
