// gardenos provision
import { GardenError } from '../../errors.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command } from '../command.js';
import { readSpec, specDirOf } from '../spec-source.js';

const command: Command = {
  name: 'provision',
  summary: 'make the hosts of the spec match it over SSH (pinned host keys; --dry-run shows what would change)',
  usage: `Usage: gardenos provision [-f FILE] [--dry-run] [--only HOST] [--accept-new-host-key HOST ...]

Connects to every host in the spec's hosts section over SSH (host keys pinned in the spec; an unknown
or different key is refused), checks them all (Debian 12, free ports and disk, clocks), then installs
packages, writes only the files that differ (each named), and starts services in order: etcd on every
host healthy over TLS, Patroni with one leader and streaming replicas, HAProxy and the router. A second
run changes nothing; a run that failed half-way resumes. The last line counts the changes.

${PLATFORM_USAGE}
      --dry-run                  print what would change on each host; change nothing there
      --only HOST                provision one host (the others are still checked and waited for)
      --accept-new-host-key HOST trust HOST's key on first contact and record it (repeatable)`,
  options: {
    ...PLATFORM_OPTIONS,
    'dry-run': { type: 'boolean' },
    only: { type: 'string' },
    'accept-new-host-key': { type: 'string', multiple: true },
  },
  async run(ctx) {
    const { spec } = await readSpec(ctx);
    if (!spec.hosts) {
      throw new GardenError('NOT_CONFIGURED', 'This spec has no hosts section, so there is nothing to provision.', {
        hint: 'list your servers under hosts: (name, address, ssh, hostKey) — `gardenos lab up` writes a ready spec to try it on one machine — or use `gardenos up` for the one-machine platform',
      });
    }
    const accept = (ctx.values['accept-new-host-key'] as string[] | undefined) ?? [];
    const unknown = accept.filter((h) => !spec.hosts!.some((x) => x.name === h));
    if (unknown.length > 0) {
      throw new GardenError(
        'USAGE',
        `--accept-new-host-key names ${unknown.join(', ')}, which ${unknown.length === 1 ? 'is not a host' : 'are not hosts'} of this spec.`,
        {
          hint: `use the host names of the spec: ${spec.hosts.map((h) => h.name).join(', ')}`,
        },
      );
    }
    const specDir = specDirOf(ctx);
    const dryRun = ctx.values['dry-run'] === true;
    const { provision } = await import('../../hosts/provision/provision.js');
    const started = Date.now();
    const r = await provision(spec, {
      dryRun,
      only: ctx.values.only as string | undefined,
      acceptNewHostKey: accept,
      specDir,
      agentSocket: ctx.env.SSH_AUTH_SOCK,
      report: (line) => ctx.err.write(`${line}\n`),
    });
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const hosts = Object.keys(r.byHost).length;
    ctx.out.write(
      dryRun
        ? `dry run: ${r.changes} change${r.changes === 1 ? '' : 's'} would be made on ${hosts} host${hosts === 1 ? '' : 's'}\n`
        : r.changes === 0
          ? `0 changes: ${hosts} host${hosts === 1 ? '' : 's'} already match the spec (${secs} s)\n`
          : `${r.changes} change${r.changes === 1 ? '' : 's'} on ${hosts} host${hosts === 1 ? '' : 's'} (${secs} s)\n`,
    );
    return 0;
  },
};

export default command;
