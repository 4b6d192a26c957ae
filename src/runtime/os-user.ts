// Which OS user runs PostgreSQL: ourselves, or `postgres` when we are root (PostgreSQL refuses root).
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { GardenError } from '../errors.js';

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

export function lookupUser(name: string, passwd = '/etc/passwd'): OsUser | undefined {
  for (const line of readFileSync(passwd, 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) return { name, uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The user PostgreSQL runs as: undefined means "as we are". */
export function postgresRunAs(passwd = '/etc/passwd', root = isRoot()): OsUser | undefined {
  if (!root) return undefined;
  const user = lookupUser('postgres', passwd);
  if (!user) {
    throw new GardenError(
      'NOT_ROOT',
      'gardenos runs as root, and PostgreSQL refuses to run as root, but there is no `postgres` user.',
      {
        hint: 'install PostgreSQL from Debian (`apt-get install -y postgresql-15` creates the user), or run gardenos as an ordinary user',
      },
    );
  }
  return user;
}

/**
 * Each ancestor of `dir` must let `user` pass through (x bit), or PostgreSQL cannot reach its data.
 * A state dir under /root (mode 700) is the classic failure.
 */
export function assertReachableBy(dir: string, user: OsUser): void {
  let current = dirname(dir);
  for (;;) {
    let st;
    try {
      st = statSync(current);
    } catch {
      current = dirname(current);
      continue;
    }
    const canPass =
      st.uid === user.uid
        ? (st.mode & 0o100) !== 0
        : st.gid === user.gid
          ? (st.mode & 0o010) !== 0
          : (st.mode & 0o001) !== 0;
    if (!canPass) {
      throw new GardenError(
        'STATE_DIR',
        `The state dir ${dir} is inside ${current} (mode ${(st.mode & 0o777).toString(8)}), which the \`${user.name}\` user that runs PostgreSQL cannot enter.`,
        {
          hint: `use a state dir the postgres user can reach, e.g. \`--state-dir /var/lib/gardenos/<name>\` (the default when run as root), or \`chmod o+x ${current}\``,
        },
      );
    }
    if (current === '/') return;
    current = dirname(current);
  }
}
