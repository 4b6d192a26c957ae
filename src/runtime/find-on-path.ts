// Where a program is on this machine: PATH plus the sbin directories a non-root PATH often lacks.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findOnPath(program: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  // HAProxy lives in /usr/sbin on Debian, which a non-root PATH often lacks.
  const dirs = [...pathEnv.split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this dir
    }
  }
  return undefined;
}
