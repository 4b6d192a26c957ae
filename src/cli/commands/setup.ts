// gardenos setup
import { execFileSync, spawnSync } from 'node:child_process';
import { GardenError } from '../../errors.js';
import { checkBinaries } from '../../local/index.js';
import { findOnPath, isRoot, lookupUser } from '../../runtime/index.js';
import { SYSTEM_USERS } from '../../local/run-as.js';
import type { Command } from '../command.js';

const PACKAGES = [
  'etcd-server',
  'etcd-client',
  'patroni',
  'haproxy',
  'pgbouncer',
  'postgresql-15',
  'postgresql-client-15',
  'pgbackrest',
  'openssl',
  'openssh-server',
  'openssh-client',
  'nftables',
  'prometheus',
  'prometheus-postgres-exporter',
  'prometheus-alertmanager',
];
/** What `gardenos lab` and monitoring run besides the platform's programs (checkBinaries covers those). */
const LAB_PROGRAMS = ['sshd', 'ssh-keygen', 'nft', 'prometheus', 'prometheus-postgres-exporter'];
/**
 * What the tests need besides: the dashboard's browser test drives Debian's Chromium (no browser
 * download is possible there), and systemd-analyze (package systemd) verifies the hosts' units.
 */
const TEST_PACKAGES = ['chromium', 'systemd'];
const TEST_PROGRAMS = ['chromium', 'systemd-analyze'];

const command: Command = {
  name: 'setup',
  summary: 'install the system packages',
  usage: `Usage: gardenos setup [--check]

Installs ${PACKAGES.join(', ')} with apt-get (as root, or through sudo
without a password prompt). Does nothing when they are already there. Otherwise prints the exact command.

      --with-browser    also install what the tests need (npm test): Chromium, which the dashboard's
                        browser test drives, and systemd, whose systemd-analyze verifies the hosts' units
      --check           only report what is missing`,
  options: { check: { type: 'boolean' }, 'with-browser': { type: 'boolean' } },
  async run(ctx) {
    const packages = ctx.values['with-browser'] ? [...PACKAGES, ...TEST_PACKAGES] : PACKAGES;
    const programs = ctx.values['with-browser'] ? [...LAB_PROGRAMS, ...TEST_PROGRAMS] : LAB_PROGRAMS;
    const missing = () => {
      try {
        checkBinaries(15, ctx.env);
        return programs.some((p) => !findOnPath(p, ctx.env.PATH));
      } catch {
        return true;
      }
    };
    // As root the components run as users of their own: made here, once (postgres comes with PostgreSQL).
    const users = isRoot() && !ctx.values.check ? missingSystemUsers() : [];
    if (!missing()) {
      createSystemUsers(users, ctx.err);
      ctx.out.write(
        users.length > 0
          ? `✓ etcd, Patroni, HAProxy, PostgreSQL 15, Prometheus, OpenSSH and nftables were installed; created the system user${users.length === 1 ? '' : 's'} ${users.join(', ')}.\n`
          : '✓ etcd, Patroni, HAProxy, PostgreSQL 15, Prometheus, OpenSSH and nftables are installed; nothing to do.\n',
      );
      return 0;
    }
    const command = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages.join(' ')}`;
    if (ctx.values.check) {
      checkBinaries(15, ctx.env);
      const lab = programs.filter((p) => !findOnPath(p, ctx.env.PATH));
      throw new GardenError(
        'BINARY_MISSING',
        `${lab.join(', ')} ${lab.length === 1 ? 'is' : 'are'} not installed (\`gardenos lab\`, monitoring and the browser test run them).`,
        { hint: `run: ${command}` },
      );
    }
    const sudo = !isRoot() && findOnPath('sudo', ctx.env.PATH) && spawnSync('sudo', ['-n', 'true']).status === 0;
    if (!isRoot() && !sudo) {
      throw new GardenError(
        'NOT_ROOT',
        'The system packages are missing and gardenos is neither root nor allowed to use sudo without a password.',
        {
          hint: `run: sudo sh -c '${command}'`,
        },
      );
    }
    ctx.err.write(`installing with apt-get: ${packages.join(' ')}\n`);
    try {
      execFileSync(sudo ? 'sudo' : 'sh', sudo ? ['sh', '-c', command] : ['-c', command], {
        stdio: 'inherit',
        env: { ...ctx.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch (cause) {
      throw new GardenError('SETUP_FAILED', `apt-get failed: ${(cause as Error).message}.`, {
        hint: `run it yourself to see why: ${command}`,
        cause,
      });
    }
    checkBinaries(15, ctx.env);
    createSystemUsers(users, ctx.err);
    ctx.out.write('✓ installed; run `gardenos up`.\n');
    return 0;
  },
};

function missingSystemUsers(): string[] {
  return SYSTEM_USERS.filter((name) => !lookupUser(name));
}

/** System users with no login, no home and a group of their own (useradd from Debian's passwd package). */
function createSystemUsers(names: string[], err: NodeJS.WritableStream): void {
  for (const name of names) {
    const args = [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      name,
    ];
    err.write(`creating the system user ${name} (useradd ${args.join(' ')})\n`);
    const run = spawnSync('useradd', args, { encoding: 'utf8' });
    if (run.status !== 0) {
      throw new GardenError(
        'SETUP_FAILED',
        `useradd could not create the system user ${name}: ${(run.stderr || run.error?.message || '').trim()}.`,
        {
          hint: `run it yourself to see why: useradd ${args.join(' ')}`,
        },
      );
    }
  }
}

export default command;
