// Files gardenos writes on this machine: atomically and only when changed, directories with an owner and mode.
import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { OsUser } from './os-user.js';

/** Writes through a temp file and rename, and only when the content changed. Returns whether it wrote. */
export function writeAtomic(path: string, content: string, mode: number, owner?: OsUser): boolean {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return false;
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode });
  chmodSync(tmp, mode);
  if (owner) chownSync(tmp, owner.uid, owner.gid);
  renameSync(tmp, path);
  return true;
}

/** mkdir -p, then hand the leaf to `owner` with `mode`. */
export function ensureOwnedDir(dir: string, mode: number, owner?: OsUser): void {
  mkdirSync(dir, { recursive: true, mode });
  chmodSync(dir, mode);
  if (owner) chownSync(dir, owner.uid, owner.gid);
}

/** ensureOwnedDir, and everything inside handed to `owner` too when the dir was someone else's. */
export function ensureOwnedTree(dir: string, mode: number, owner?: OsUser): void {
  const before = existsSync(dir) ? statSync(dir) : undefined;
  ensureOwnedDir(dir, mode, owner);
  if (!owner || !before || (before.uid === owner.uid && before.gid === owner.gid)) return;
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    lchownSync(join(dir, entry), owner.uid, owner.gid);
  }
}
