// gardenos dcs show | reset
import { join } from 'node:path';
import { decodeScope, readScope } from '../../dcs/index.js';
import { GardenError } from '../../errors.js';
import { layoutOf } from '../../local/index.js';
import { applyDcsReset, planDcsReset, writeDcsBackup } from '../../ops/index.js';
import type { PlatformAccess } from '../../ops/access.js';
import { scopePrefix } from '../../render/index.js';
import { openAccess } from '../access.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command, type CommandContext } from '../command.js';
import { confirmPlan } from '../confirm.js';
import { table } from '../output.js';

async function show(ctx: CommandContext, access: PlatformAccess): Promise<number> {
  const { spec } = access;
  const client = access.etcd(3000);
  try {
    const snapshot = await readScope(client, scopePrefix(spec));
    const keys = decodeScope(snapshot);
    if (ctx.values.json) {
      ctx.out.write(JSON.stringify({ prefix: snapshot.prefix, revision: snapshot.revision, keys }, null, 2) + '\n');
      return 0;
    }
    ctx.out.write(
      `DCS keys under ${snapshot.prefix} (etcd revision ${snapshot.revision}; ages in revisions, etcd keeps no time per key)\n`,
    );
    if (keys.length === 0) {
      ctx.out.write('  (none: the cluster is not initialized in this scope)\n');
      return 0;
    }
    ctx.out.write(
      table([
        ['KEY', 'CHANGED', 'LEASE', 'SINCE', 'VALUE'],
        ...keys.map((k) => [
          k.name,
          `${k.revisionsAgo} rev ago`,
          k.ttlLeft === null ? '-' : `${k.ttlLeft} s left`,
          k.since ?? '-',
          k.summary,
        ]),
      ]) + '\n',
    );
    return 0;
  } finally {
    client.close();
  }
}

async function reset(ctx: CommandContext, access: PlatformAccess): Promise<number> {
  const { spec } = access;
  const client = access.etcd(3000);
  try {
    const plan = await planDcsReset(access, client, { force: ctx.values.force === true });
    const { snapshot } = plan;
    if (snapshot.keys.length === 0) {
      ctx.out.write(`Nothing to reset: there are no keys under ${snapshot.prefix}.\n`);
      return 0;
    }
    const dir =
      (ctx.values['backup-dir'] as string | undefined) ?? join(layoutOf(spec.local.stateDir).root, 'backups', 'dcs');
    await confirmPlan(ctx, 'gardenos dcs reset', [
      `write a JSON backup of the ${snapshot.keys.length} keys under ${snapshot.prefix} to ${dir}`,
      `delete exactly those keys (${snapshot.keys.map((k) => k.name).join(', ')}); no other key in etcd is touched`,
      ...(plan.liveMembers.length > 0
        ? [`(--force) Patroni still answers on ${plan.liveMembers.join(', ')}: restart them afterwards`]
        : []),
    ]);
    const path = writeDcsBackup(dir, spec, snapshot);
    ctx.out.write(`backup of ${snapshot.keys.length} keys written to ${path}\n`);
    const deleted = await applyDcsReset(client, plan);
    ctx.out.write(
      `deleted ${deleted} keys under ${snapshot.prefix}; Patroni will initialize the scope again when it next starts (${spec.hosts ? '`gardenos provision`' : '`gardenos up`'}).\n`,
    );
    return 0;
  } finally {
    client.close();
  }
}

const command: Command = {
  name: 'dcs',
  summary: 'show or reset the Patroni keys of this cluster in etcd',
  usage: `Usage: gardenos dcs show [--json] | dcs reset [--yes] [--force] [--backup-dir DIR] [options]

show   the scope's keys (initialize, config, leader, members, history, sync, failover) decoded,
       with how many etcd revisions ago each changed and the seconds left on its lease.
reset  refuses while any member's Patroni answers (unless --force); writes a JSON backup of every key
       of the scope (path printed), then deletes exactly <namespace>/<scope>/ and nothing else.

${PLATFORM_USAGE}
      --json            machine-readable output (show)
      --yes             confirm the reset without a prompt
      --force           reset even though Patroni answers
      --backup-dir DIR  where the JSON backup goes (default: <state dir>/backups/dcs)`,
  options: {
    ...PLATFORM_OPTIONS,
    json: { type: 'boolean' },
    yes: { type: 'boolean' },
    force: { type: 'boolean' },
    'backup-dir': { type: 'string' },
  },
  async run(ctx) {
    const sub = ctx.positionals[0];
    if (sub !== 'show' && sub !== 'reset') {
      throw new GardenError(
        'USAGE',
        sub === undefined ? 'gardenos dcs needs a subcommand.' : `Unknown subcommand "dcs ${sub}".`,
        { hint: 'use `gardenos dcs show` or `gardenos dcs reset`' },
      );
    }
    const access = await openAccess(ctx);
    return sub === 'show' ? show(ctx, access) : reset(ctx, access);
  },
};

export default command;
