// Entry point: finds the command, parses its flags, runs it, and turns errors into text and exit codes.
import { parseArgs } from 'node:util';
import { GardenError } from '../errors.js';
import type { Command, CommandContext } from './command.js';
import { formatError } from './output.js';
import { fromSystemError } from '../os-errors.js';

/** Commands load lazily: `gardenos spec check` never pays for the etcd or pg clients. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command>; internal?: true }> = {
  setup: {
    summary: 'install etcd, Patroni, HAProxy, PostgreSQL and pgBackRest with apt',
    load: async () => (await import('./commands/setup.js')).default,
  },
  up: {
    summary: 'start the local HA platform (or heal a partly stopped one)',
    load: async () => (await import('./commands/up.js')).default,
  },
  down: {
    summary: 'stop the local platform in a safe order (--purge --yes deletes its data)',
    load: async () => (await import('./commands/down.js')).default,
  },
  status: {
    summary: 'etcd, Patroni, HAProxy and endpoints on one screen (--json, --watch)',
    load: async () => (await import('./commands/status.js')).default,
  },
  logs: {
    summary: 'show or follow the logs of a component',
    load: async () => (await import('./commands/logs.js')).default,
  },
  spec: {
    summary: 'check, print or describe (JSON Schema) gardenos.yaml',
    load: async () => (await import('./commands/spec.js')).default,
  },
  switchover: {
    summary: 'planned leader change, returns when writes work on the new leader',
    load: async () => (await import('./commands/switchover.js')).default,
  },
  failover: {
    summary: 'promote a named node when there is no healthy leader',
    load: async () => (await import('./commands/failover.js')).default,
  },
  pooler: {
    summary: 'resume a PgBouncer left paused (`pooler resume`)',
    load: async () => (await import('./commands/pooler.js')).default,
  },
  psql: {
    summary: 'open psql on the primary (or --replica) endpoint',
    load: async () => (await import('./commands/psql.js')).default,
  },
  exporter: {
    summary: "run gardenos's own Prometheus exporter (data dir disk, backup age; started by `up`)",
    load: async () => (await import('./commands/exporter.js')).default,
  },
  router: {
    summary: 'run the primary router (started by `up`; watches the leader key, routes writes)',
    load: async () => (await import('./commands/router.js')).default,
  },
  secrets: {
    summary: 'where the generated passwords are (--show prints them)',
    load: async () => (await import('./commands/secrets.js')).default,
  },
  deploy: {
    summary: 'server-side apply the Kubernetes target in dependency order (--dry-run prints the plan)',
    load: async () => (await import('./commands/deploy.js')).default,
  },
  render: {
    summary: 'write Kubernetes manifests (--target k8s) or every file of every host (--target hosts) to --out DIR',
    load: async () => (await import('./commands/render.js')).default,
  },
  dcs: {
    summary: 'show the Patroni keys in etcd, or reset them safely (backup first)',
    load: async () => (await import('./commands/dcs.js')).default,
  },
  doctor: {
    summary: 'diagnose every layer: evidence, cause and fix for each problem (--json)',
    load: async () => (await import('./commands/doctor.js')).default,
  },
  backup: {
    summary: 'pgBackRest backup of the leader (--type full|diff|incr), or `backup list`',
    load: async () => (await import('./commands/backup.js')).default,
  },
  restore: {
    summary: 'rebuild the cluster from a backup: --latest or --to-time TS (asks first)',
    load: async () => (await import('./commands/restore.js')).default,
  },
  migrate: {
    summary: 'copy a PostgreSQL database into the primary and verify rows and sequences',
    load: async () => (await import('./commands/migrate.js')).default,
  },
  provision: {
    summary: 'make the hosts of the spec match it over SSH (pinned host keys; --dry-run shows what would change)',
    load: async () => (await import('./commands/provision.js')).default,
  },
  lab: {
    summary:
      'hosts as network namespaces with their own sshd on this machine, for the hosts target (up, down, isolate, heal)',
    load: async () => (await import('./commands/lab.js')).default,
  },
  dashboard: {
    summary: 'serve the live dashboard page (topology, leader changes and write gaps, metrics); --print-url',
    load: async () => (await import('./commands/dashboard.js')).default,
  },
  'dashboard-web': {
    summary: "the dashboard's web side, started by `gardenos dashboard` as root",
    load: async () => (await import('./commands/dashboard-web.js')).default,
    internal: true,
  },
  verify: {
    summary: 'prove the running platform survives faults: writer, prober, one fault per round (--json)',
    load: async () => (await import('./commands/verify.js')).default,
  },
};

/** The commands a user runs; internal ones are started by gardenos itself. */
const PUBLIC = Object.entries(COMMANDS).filter(([, c]) => !c.internal);

function help(): string {
  const width = Math.max(...PUBLIC.map(([n]) => n.length));
  return (
    [
      'gardenos — a highly available PostgreSQL platform (etcd, Patroni, HAProxy) from one spec',
      '',
      'Usage: gardenos <command> [options]',
      '',
      ...PUBLIC.map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
      '',
      'Run `gardenos <command> --help` for its options.',
    ].join('\n') + '\n'
  );
}

export async function main(argv: string[], io: Pick<CommandContext, 'out' | 'err' | 'env' | 'cwd'>): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out.write(help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.out.write('gardenos 0.1.0\n');
    return 0;
  }
  try {
    const entry = COMMANDS[name];
    if (!entry) {
      throw new GardenError('USAGE', `Unknown command "${name}".`, {
        hint: `run \`gardenos --help\` to see the commands: ${PUBLIC.map(([n]) => n).join(', ')}`,
      });
    }
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out.write(`${command.usage}\n`);
      return 0;
    }
    const dashDash = rest.indexOf('--');
    const args = dashDash >= 0 ? rest.slice(0, dashDash) : rest;
    const passthrough = dashDash >= 0 ? rest.slice(dashDash + 1) : [];
    let parsed;
    try {
      parsed = parseArgs({ args, options: command.options, allowPositionals: true, strict: true });
    } catch (cause) {
      throw new GardenError('USAGE', `${(cause as Error).message}.`, {
        hint: `see \`gardenos ${name} --help\``,
        cause,
      });
    }
    return await command.run({ ...io, values: parsed.values, positionals: parsed.positionals, passthrough });
  } catch (thrown) {
    // A permission, space or path error from the OS is the user's to fix, not a bug: one paragraph, exit 2.
    const err = fromSystemError(thrown) ?? thrown;
    io.err.write(formatError(err, io.err, io.env));
    return err instanceof GardenError ? err.exitCode : 1;
  }
}
