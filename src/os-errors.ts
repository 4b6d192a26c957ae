// Operating-system errors a user can cause (a path without permission, a full disk, a file where a
// directory belongs) as the one-paragraph GardenError, exit 2: never an [INTERNAL] stack trace.
import { GardenError } from './errors.js';

interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
  dest?: string;
}

const WHY: Record<string, { what: string; hint: (path: string) => string }> = {
  EACCES: {
    what: 'permission denied',
    hint: (p) =>
      `run gardenos as a user who may use ${p} (\`ls -ld ${p}\` shows its owner and mode), or choose another path with --state-dir / --file`,
  },
  EPERM: {
    what: 'the operation is not permitted',
    hint: (p) => `check the owner and attributes of ${p} (\`ls -ld ${p}\`, \`lsattr -d ${p}\`); some steps need root`,
  },
  EISDIR: { what: 'it is a directory', hint: (p) => `give the path of a file, not the directory ${p}` },
  ENOTDIR: {
    what: 'a part of the path is not a directory',
    hint: (p) => `check each part of ${p}: one of them is a file`,
  },
  EEXIST: {
    what: 'it already exists',
    hint: (p) => `move ${p} aside or choose another path; gardenos does not overwrite it`,
  },
  ENOSPC: {
    what: 'no space left on the device',
    hint: (p) => `free space on the file system of ${p} (\`df -h ${p}\`)`,
  },
  EDQUOT: { what: 'the disk quota is used up', hint: (p) => `free space within your quota on the file system of ${p}` },
  EROFS: {
    what: 'the file system is read-only',
    hint: (p) => `choose a path on a writable file system instead of ${p}`,
  },
  ENOENT: { what: 'it does not exist', hint: (p) => `check the path ${p}` },
  ELOOP: { what: 'too many symbolic links', hint: (p) => `check the symbolic links along ${p}` },
  ENAMETOOLONG: { what: 'the path is too long', hint: (p) => `choose a shorter path than ${p}` },
  EMFILE: {
    what: 'too many open files',
    hint: () => 'raise the open-files limit (`ulimit -n`) and run the command again',
  },
};

function isSystemError(err: unknown): err is SystemError {
  return (
    err instanceof Error &&
    typeof (err as SystemError).code === 'string' &&
    typeof (err as SystemError).syscall === 'string'
  );
}

/** The user-facing error for a system error on a path (or for EMFILE); undefined for anything else. */
export function fromSystemError(err: unknown): GardenError | undefined {
  if (!isSystemError(err)) return undefined;
  const why = WHY[err.code];
  if (!why) return undefined;
  const path = err.path ?? err.dest;
  if (path === undefined && err.code !== 'EMFILE') return undefined;
  const where = path === undefined ? '' : ` ${path}`;
  return new GardenError('OS_ERROR', `Could not ${err.syscall}${where}: ${why.what} (${err.code}).`, {
    hint: why.hint(path ?? ''),
    cause: err,
  });
}
