// gardenos lab up | down | isolate | heal
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { GardenError } from '../../errors.js';
import {
  DEFAULT_LAB_NAME,
  DEFAULT_SUBNET,
  MAX_HOSTS,
  healHost,
  isolateHost,
  labDown,
  labDownPlan,
  labUp,
  parseHostCount,
} from '../../lab/index.js';
import type { Command, CommandContext } from '../command.js';
import { confirmPlan } from '../confirm.js';
import { progressReporter } from '../output.js';

const nameOf = (ctx: CommandContext) => (ctx.values.name as string | undefined) ?? DEFAULT_LAB_NAME;

async function up(ctx: CommandContext): Promise<number> {
  const hosts = ctx.values.hosts as string | undefined;
  const subnet = ctx.values.subnet as string | undefined;
  const r = await labUp({
    name: nameOf(ctx),
    reporter: progressReporter(ctx.err, ctx.env),
    pathEnv: ctx.env.PATH,
    ...(hosts !== undefined ? { hostCount: parseHostCount(hosts) } : {}),
    ...(subnet !== undefined ? { subnet } : {}),
  });
  const out = resolve(ctx.cwd, (ctx.values.out as string | undefined) ?? 'gardenos-lab.yaml');
  writeFileSync(out, r.spec, { mode: 0o644 });
  const what = r.alreadyUp
    ? 'is already up (nothing changed)'
    : r.fresh
      ? `is up: ${r.plan.hosts.length} hosts in ${r.seconds.toFixed(1)} s`
      : `was repaired in ${r.seconds.toFixed(1)} s: ${r.changes.join('; ')}`;
  ctx.err.write(
    `Lab ${r.plan.name} ${what}. Every host answers SSH with its pinned key and reaches the others.\n` +
      `The spec below is in ${out}; log in with: ssh -i ${r.plan.clientKey} root@${r.plan.hosts[0]!.address}\n\n`,
  );
  ctx.out.write(r.spec);
  return 0;
}

async function down(ctx: CommandContext): Promise<number> {
  const name = nameOf(ctx);
  const plan = labDownPlan(name);
  if (!plan) {
    ctx.out.write(`Lab ${name} is not up (no manifest under /var/lib/gardenos-lab/${name}); nothing to do.\n`);
    return 0;
  }
  await confirmPlan(ctx, `gardenos lab down --name ${name}`, plan.lines);
  const r = await labDown(name, { pathEnv: ctx.env.PATH });
  if (r.left.length > 0) {
    ctx.err.write(
      `Lab ${name} is NOT fully down: ${r.left.join('; ')}.\n` +
        `  fix: see what runs there with \`ip netns pids NS | xargs ps -o pid,stat,args -p\`, stop it, then run \`gardenos lab down --name ${name} --yes\` again (its manifest is kept)\n`,
    );
    return 1;
  }
  ctx.out.write(
    `Lab ${name} is down: ${r.removed.length} things removed; no namespace, link or process of it is left.` +
      `${r.kept.length > 0 ? ` Kept, not the lab's alone: ${r.kept.join('; ')}.` : ''}\n`,
  );
  return 0;
}

async function fault(ctx: CommandContext, sub: 'isolate' | 'heal'): Promise<number> {
  const host = ctx.positionals[1];
  if (host === undefined) {
    throw new GardenError('USAGE', `gardenos lab ${sub} needs a host name.`, {
      hint: `for example \`gardenos lab ${sub} h2\``,
    });
  }
  const name = nameOf(ctx);
  const h = await (sub === 'isolate' ? isolateHost : healHost)(name, host);
  const nameFlag = name === DEFAULT_LAB_NAME ? '' : ` --name ${name}`;
  ctx.out.write(
    sub === 'isolate'
      ? `${h.name} (${h.address}) is cut off: its links ${h.veth} and ${h.namespace}:eth0 are down; \`gardenos lab heal ${h.name}${nameFlag}\` brings them back.\n`
      : `${h.name} (${h.address}) is connected again: ${h.veth} and ${h.namespace}:eth0 are up.\n`,
  );
  return 0;
}

const command: Command = {
  name: 'lab',
  summary: 'hosts as network namespaces on this machine, for the hosts target',
  usage: `Usage: gardenos lab up [--hosts N] [--subnet CIDR] [--out FILE] [--name NAME]
       gardenos lab down [--yes] [--name NAME]
       gardenos lab isolate HOST | lab heal HOST [--name NAME]

As root. up builds N hosts (h1, h2, ...) on this machine: each a network namespace on the bridge
gdn-NAME (which holds the subnet's first address, so this machine reaches every host), with its own
sshd, host key, hostname, /etc/gardenos, /var/lib/gardenos, /var/log/gardenos, /tmp and /run. It waits
until every host answers SSH with its pinned key and reaches the others, then writes and prints a
spec with their addresses and keys. Running it again changes nothing, or repairs what is missing.
down stops every process in the lab's namespaces and deletes everything the lab created, and only
that; it asks on a terminal (--yes otherwise). isolate sets a host's links down; heal brings them back.

      --hosts N         number of hosts, 1 to ${MAX_HOSTS} (default 3)
      --subnet CIDR     private IPv4 subnet no route here uses (default ${DEFAULT_SUBNET})
      --out FILE        where up writes the spec (default ./gardenos-lab.yaml)
      --name NAME       lab name, up to 8 letters and digits (default ${DEFAULT_LAB_NAME})
      --yes             confirm down without a prompt`,
  options: {
    hosts: { type: 'string' },
    subnet: { type: 'string' },
    out: { type: 'string' },
    name: { type: 'string' },
    yes: { type: 'boolean' },
  },
  async run(ctx) {
    const sub = ctx.positionals[0];
    if (sub === 'up') return up(ctx);
    if (sub === 'down') return down(ctx);
    if (sub === 'isolate' || sub === 'heal') return fault(ctx, sub);
    throw new GardenError(
      'USAGE',
      sub === undefined ? 'gardenos lab needs a subcommand.' : `Unknown subcommand "lab ${sub}".`,
      {
        hint: 'use `gardenos lab up`, `lab down`, `lab isolate HOST` or `lab heal HOST`',
      },
    );
  },
};

export default command;
