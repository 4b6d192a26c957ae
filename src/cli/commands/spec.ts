// gardenos spec check|print|schema
import { GardenError } from '../../errors.js';
import {
  hostsWarnings,
  maskSecrets,
  renderEffectiveSpec,
  specJsonSchema,
  SpecError,
  formatProblem,
} from '../../spec/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command } from '../command.js';
import { colorsFor } from '../output.js';
import { readSpec } from '../spec-source.js';

const command: Command = {
  name: 'spec',
  summary: 'check, print or describe gardenos.yaml',
  usage: `Usage: gardenos spec check [FILE] | print [--json] | schema

  check [FILE]   validate a spec; each problem with its YAML path and line; exit 2 if any
  print          the effective spec (defaults filled in, ports resolved, secrets masked)
  schema         the JSON Schema of gardenos.yaml, for editor completion

${PLATFORM_USAGE}
      --json            print as JSON instead of YAML`,
  options: { ...PLATFORM_OPTIONS, json: { type: 'boolean' } },
  async run(ctx) {
    const [sub, file] = ctx.positionals;
    if (sub === 'schema') {
      ctx.out.write(JSON.stringify(specJsonSchema(), null, 2) + '\n');
      return 0;
    }
    if (sub === 'check') {
      try {
        const { source, spec } = await readSpec(ctx, file);
        const c = colorsFor(ctx.out, ctx.env);
        const where = spec.hosts ? `${spec.hosts.length} hosts (etcd over https)` : `ports ${spec.local.basePort}+`;
        ctx.out.write(
          `${c.green('✓')} ${source} is valid: ${spec.nodes.length} nodes, ${spec.etcd.members.length} etcd members, ${where}.\n`,
        );
        for (const w of hostsWarnings(spec)) ctx.out.write(`${c.yellow('!')} ${w}\n`);
        return 0;
      } catch (err) {
        if (!(err instanceof SpecError)) throw err;
        const c = colorsFor(ctx.err, ctx.env);
        ctx.err.write(
          `${c.red('✗')} ${err.source}: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}\n` +
            err.problems.map((p) => `  ${formatProblem(err.source, p)}`).join('\n') +
            '\n',
        );
        return 2;
      }
    }
    if (sub === 'print') {
      const { spec, source, text } = await readSpec(ctx);
      ctx.out.write(
        ctx.values.json
          ? JSON.stringify(maskSecrets(spec), null, 2) + '\n'
          : renderEffectiveSpec(spec, { source, text }),
      );
      return 0;
    }
    throw new GardenError('USAGE', sub ? `Unknown spec subcommand "${sub}".` : 'Missing spec subcommand.', {
      hint: 'use `gardenos spec check [FILE]`, `gardenos spec print` or `gardenos spec schema`',
    });
  },
};

export default command;
