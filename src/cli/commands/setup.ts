// gardenos setup
import { execFileSync, spawnSync } from 'node:child_process';
import { GardenError } from '../../errors.js';
import { checkBinaries, findOnPath, isRoot } from '../../local/index.js';
import type { Command } from '../command.js';

const PACKAGES = ['etcd-server', 'etcd-client', 'patroni', 'haproxy', 'postgresql-15', 'postgresql-client-15', 'pgbackrest', 'openssl'];

const command: Command = {
  name: 'setup',
  summary: 'install the system packages',
  usage: `Usage: gardenos setup [--check]

Installs ${PACKAGES.join(', ')} with apt-get (as root, or through sudo
without a password prompt). Does nothing when they are already there. Otherwise prints the exact command.

      --check           only report what is missing`,
  options: { check: { type: 'boolean' } },
  async run(ctx) {
    const missing = () => { try { checkBinaries(15, ctx.env); return false; } catch { return true; } };
    if (!missing()) {
      ctx.out.write('✓ etcd, Patroni, HAProxy and PostgreSQL 15 are installed; nothing to do.\n');
      return 0;
    }
    const command = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${PACKAGES.join(' ')}`;
    if (ctx.values.check) {
      checkBinaries(15, ctx.env);
    }
    const sudo = !isRoot() && findOnPath('sudo', ctx.env.PATH) && spawnSync('sudo', ['-n', 'true']).status === 0;
    if (!isRoot() && !sudo) {
      throw new GardenError('NOT_ROOT', 'The system packages are missing and gardenos is neither root nor allowed to use sudo without a password.', {
        hint: `run: sudo sh -c '${command}'`,
      });
    }
    ctx.err.write(`installing with apt-get: ${PACKAGES.join(' ')}\n`);
    try {
      execFileSync(sudo ? 'sudo' : 'sh', sudo ? ['sh', '-c', command] : ['-c', command], { stdio: 'inherit', env: { ...ctx.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } catch (cause) {
      throw new GardenError('SETUP_FAILED', `apt-get failed: ${(cause as Error).message}.`, { hint: `run it yourself to see why: ${command}`, cause });
    }
    checkBinaries(15, ctx.env);
    ctx.out.write('✓ installed; run `gardenos up`.\n');
    return 0;
  },
};

export default command;
