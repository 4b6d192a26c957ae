// gardenos psql
import { spawn } from 'node:child_process';
import { GardenError } from '../../errors.js';
import { findOnPath } from '../../runtime/index.js';
import { openAccess } from '../access.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command } from '../command.js';

const command: Command = {
  name: 'psql',
  summary: 'open psql on an endpoint',
  usage: `Usage: gardenos psql [--replica] [options] [-- PSQL-ARGS...]

Opens psql as the superuser on the primary endpoint (or the replica endpoint with --replica).
The password is passed in the environment, never on the command line. On the hosts target it connects
to the first haproxy host over TLS and checks the server's certificate against the platform's CA.

${PLATFORM_USAGE}
      --replica         connect to the read-only replica endpoint`,
  options: { ...PLATFORM_OPTIONS, replica: { type: 'boolean' } },
  async run(ctx) {
    const access = await openAccess(ctx);
    const { spec, secrets } = access;
    const psql = findOnPath('psql', ctx.env.PATH);
    if (!psql)
      throw new GardenError('BINARY_MISSING', 'psql is not installed.', {
        hint: 'install it with `sudo apt-get install -y postgresql-client`',
      });
    const { host } = access.primaryEndpoint;
    const port = ctx.values.replica ? spec.haproxy.replicaPort : access.primaryEndpoint.port;
    // verify-full: the certificate must be signed by the platform's CA and name the address connected to.
    const tls = access.caFile ? { PGSSLMODE: 'verify-full', PGSSLROOTCERT: access.caFile } : {};
    const child = spawn(
      psql,
      ['-h', host, '-p', String(port), '-U', spec.postgres.superuser, '-d', 'postgres', ...ctx.passthrough],
      {
        stdio: 'inherit',
        env: { ...ctx.env, ...tls, PGPASSWORD: secrets.superuserPassword, PGAPPNAME: 'gardenos-psql' },
      },
    );
    return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  },
};

export default command;
