// gardenos psql
import { spawn } from 'node:child_process';
import { GardenError } from '../../errors.js';
import { findOnPath, layoutOf, readSecrets } from '../../local/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command } from '../command.js';
import { readPlatformSpec } from '../spec-source.js';

const command: Command = {
  name: 'psql',
  summary: 'open psql on an endpoint',
  usage: `Usage: gardenos psql [--replica] [options] [-- PSQL-ARGS...]

Opens psql as the superuser on the primary endpoint (or the replica endpoint with --replica).
The password is passed in the environment, never on the command line.

${PLATFORM_USAGE}
      --replica         connect to the read-only replica endpoint`,
  options: { ...PLATFORM_OPTIONS, replica: { type: 'boolean' } },
  async run(ctx) {
    const spec = readPlatformSpec(ctx);
    const secrets = readSecrets(layoutOf(spec.local.stateDir));
    const psql = findOnPath('psql', ctx.env.PATH);
    if (!psql)
      throw new GardenError('BINARY_MISSING', 'psql is not installed.', {
        hint: 'install it with `sudo apt-get install -y postgresql-client`',
      });
    const port = ctx.values.replica ? spec.haproxy.replicaPort : spec.haproxy.primaryPort;
    const child = spawn(
      psql,
      [
        '-h',
        spec.local.bindAddress,
        '-p',
        String(port),
        '-U',
        spec.postgres.superuser,
        '-d',
        'postgres',
        ...ctx.passthrough,
      ],
      {
        stdio: 'inherit',
        env: { ...ctx.env, PGPASSWORD: secrets.superuserPassword, PGAPPNAME: 'gardenos-psql' },
      },
    );
    return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  },
};

export default command;
