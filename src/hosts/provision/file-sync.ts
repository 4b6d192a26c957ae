// Files on a host: read what is there in one round trip, plan the changes (pure), write only those.
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { GardenError } from '../../errors.js';
import type { HostFile } from '../../render/hosts/model.js';
import { shellQuote, type HostShell } from '../ssh.js';

export interface FileState {
  readonly path: string;
  /** Undefined when the file does not exist. */
  readonly present?: { sha256: string; mode: number; owner: string; group: string };
}

export type FileChangeKind = 'create' | 'content' | 'mode' | 'owner';

export interface FileChange {
  readonly file: HostFile;
  /** Every way the file on the host differs, e.g. ['content', 'mode']. */
  readonly kinds: readonly FileChangeKind[];
}

export const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

/** One shell command that prints, per path, `<mode> <owner> <group> <sha256>` or `-`. */
export function stateScript(paths: readonly string[]): string {
  return paths
    .map((p) => {
      const q = shellQuote(p);
      return `if [ -f ${q} ]; then printf '%s %s\\n' "$(stat -c '%a %U %G' -- ${q})" "$(sha256sum < ${q} | cut -c1-64)"; else echo -; fi`;
    })
    .join('; ');
}

export function parseStates(paths: readonly string[], stdout: string): FileState[] {
  const lines = stdout.split('\n').filter((l) => l !== '');
  if (lines.length !== paths.length)
    throw new Error(`expected ${paths.length} lines of file state, got ${lines.length}`);
  return paths.map((path, i) => {
    const line = lines[i]!;
    if (line === '-') return { path };
    const [mode, owner, group, sum] = line.split(' ');
    return { path, present: { mode: Number.parseInt(mode!, 8), owner: owner!, group: group!, sha256: sum! } };
  });
}

export function planFiles(files: readonly HostFile[], states: readonly FileState[]): FileChange[] {
  const byPath = new Map(states.map((s) => [s.path, s]));
  return files.flatMap((file) => {
    const now = byPath.get(file.path)?.present;
    if (!now) return [{ file, kinds: ['create'] as FileChangeKind[] }];
    // Its service owns it once it exists (and may rewrite it as another user, e.g. by rename).
    if (file.createOnly) return [];
    const kinds: FileChangeKind[] = [];
    if (now.sha256 !== sha256(file.content)) kinds.push('content');
    if (now.mode !== file.mode) kinds.push('mode');
    if (now.owner !== file.owner || now.group !== file.group) kinds.push('owner');
    return kinds.length > 0 ? [{ file, kinds }] : [];
  });
}

/** The services a set of changes restarts (content changes only: a mode fix restarts nothing). */
export function restartsOf(changes: readonly FileChange[]): Set<string> {
  return new Set(
    changes.filter((c) => c.kinds.some((k) => k === 'create' || k === 'content')).flatMap((c) => c.file.restarts),
  );
}

export function describeChange(c: FileChange): string {
  const what = c.kinds.includes('create') ? 'create' : c.kinds.join('+');
  const mode = `${c.file.mode.toString(8).padStart(4, '0')} ${c.file.owner}:${c.file.group}`;
  return `${what.padEnd(8)} ${c.file.path} (${mode}${c.file.secret ? ', secret' : ''})`;
}

export async function readFileStates(shell: HostShell, paths: readonly string[]): Promise<FileState[]> {
  if (paths.length === 0) return [];
  const r = await shell.exec(stateScript(paths), { sudo: true, readOnly: true });
  if (r.code !== 0) {
    throw new GardenError(
      'HOST_COMMAND_FAILED',
      `Could not read the state of gardenos's files on host "${shell.target.name}": exit ${r.code}, ${r.stderr.trim()}.`,
      {
        hint: `log in with \`ssh ${shell.target.user}@${shell.target.address}\` and check that stat and sha256sum (coreutils) work`,
      },
    );
  }
  return parseStates(paths, r.stdout);
}

/** Writes the changed files: their directories first (one command), then each file by temp file + rename. */
export async function applyFiles(shell: HostShell, changes: readonly FileChange[]): Promise<void> {
  if (changes.length === 0) return;
  const dirs = [...new Set(changes.map((c) => dirname(c.file.path)))].sort();
  const r = await shell.exec(`mkdir -p -- ${dirs.map(shellQuote).join(' ')}`, { sudo: true });
  if (r.code !== 0) {
    throw new GardenError(
      'HOST_COMMAND_FAILED',
      `Could not create directories on host "${shell.target.name}": ${r.stderr.trim()}.`,
      {
        hint: 'check the free space and that / is writable on that host',
      },
    );
  }
  for (const c of changes) {
    await shell.writeFile(c.file.path, c.file.content, { mode: c.file.mode, owner: c.file.owner, group: c.file.group });
  }
}
