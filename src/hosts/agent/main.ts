// The gardenos program provisioning installs on each host: only what runs there (the router and
// gardenos's exporter), bundled with its packages into one file so the host needs node and nothing from npm.
import { parseArgs } from 'node:util';
import type { Command } from '../../cli/command.js';
import exporterCommand from '../../cli/commands/exporter.js';
import routerCommand from '../../cli/commands/router.js';
import { formatError } from '../../cli/output.js';
import { GardenError } from '../../errors.js';
import { PgbouncerControl, PoolerAdmin } from '../../pooler/index.js';

// grpc-js warns once per https etcd connection that an IP is not a TLS server name (DEP0123): noise in the router's log.
process.removeAllListeners('warning');
process.on('warning', (w: Error & { code?: string }) => {
  if (w.code !== 'DEP0123') process.stderr.write(`${w.name}: ${w.message}\n`);
});

const COMMANDS: readonly Command[] = [routerCommand, exporterCommand];

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === 'pooler-resume') return await poolerResume(rest);
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      throw new GardenError(
        'USAGE',
        `The gardenos agent on this host runs only ${COMMANDS.map((c) => `\`${c.name}\``).join(' and ')}, not "${name ?? ''}".`,
        {
          hint: 'run other gardenos commands from your own machine, with the spec; they reach the hosts over SSH and the network',
        },
      );
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${command.usage}\n`);
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    } catch (cause) {
      throw new GardenError('USAGE', `${(cause as Error).message}.`, {
        hint: `see \`gardenos ${command.name} --help\``,
        cause,
      });
    }
    return await command.run({
      values: parsed.values,
      positionals: parsed.positionals,
      passthrough: [],
      out: process.stdout,
      err: process.stderr,
      env: process.env,
      cwd: process.cwd(),
    });
  } catch (err) {
    process.stderr.write(formatError(err, process.stderr, process.env));
    return err instanceof GardenError ? err.exitCode : 1;
  }
}

/**
 * RESUME to this host's PgBouncer through its admin socket, for `gardenos pooler resume` over SSH: run as
 * PgBouncer's OS user (the console admits it by peer authentication). A pooler not paused is left as it is.
 */
async function poolerResume(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { 'socket-dir': { type: 'string' }, port: { type: 'string' } },
    strict: true,
  });
  const socketDir = values['socket-dir'];
  const port = Number(values.port);
  if (!socketDir || !Number.isInteger(port)) {
    throw new GardenError('USAGE', 'pooler-resume needs --socket-dir DIR and --port N.', {
      hint: "gardenos pooler resume runs it with the spec's values",
    });
  }
  const ended = await new PgbouncerControl(new PoolerAdmin({ socketDir, port }, 10_000), []).resumeIfPaused();
  process.stdout.write(ended ? 'resumed\n' : 'not-paused\n');
  return 0;
}

void run(process.argv.slice(2)).then((code) => process.exit(code));
