// The state dir on disk: its format marker, the effective spec it was created with, secrets, config files.
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { GardenError } from '../errors.js';
import type { PlatformSecrets } from '../render/index.js';
import { loadSpecMemoized } from '../spec/memo.js';
import type { Spec } from '../spec/resolve.js';
import { STATE_FORMAT, type Layout } from './layout.js';
import { writeAtomic } from '../runtime/files.js';

export interface StateMarker {
  format: number;
  name: string;
  createdAt: string;
}

export function readStateMarker(layout: Layout): StateMarker | undefined {
  if (!existsSync(layout.stateFile)) return undefined;
  let marker: Partial<StateMarker>;
  try {
    marker = JSON.parse(readFileSync(layout.stateFile, 'utf8')) as Partial<StateMarker>;
  } catch (cause) {
    throw new GardenError(
      'STATE_VERSION',
      `${layout.stateFile} is not valid JSON, so ${layout.root} cannot be trusted as a gardenos state dir.`,
      {
        hint: `move ${layout.root} aside, or delete it with \`gardenos down --purge --yes --state-dir ${layout.root}\` if its data is not needed`,
        cause,
      },
    );
  }
  if (marker.format !== STATE_FORMAT) {
    throw new GardenError(
      'STATE_VERSION',
      `${layout.root} was written by a gardenos with state format ${String(marker.format)}; this one reads format ${STATE_FORMAT}.`,
      {
        hint: 'use the gardenos version that created it, or back up your data and remove the state dir',
      },
    );
  }
  return marker as StateMarker;
}

/**
 * Refuses, before anything is written, a state dir that is not a directory, that sits under a file,
 * or that has files in it but no marker (it belongs to something else: never write into it).
 */
export function assertUsableStateDir(layout: Layout): void {
  const root = layout.root;
  const existing = firstExistingAncestor(root);
  const kind = statKind(existing);
  if (kind !== 'dir') {
    throw new GardenError(
      'STATE_DIR',
      existing === root
        ? `${root} is ${kind === 'missing' ? 'not readable' : 'a file, not a directory'}, so it cannot be a gardenos state dir.`
        : `${root} cannot be created: ${existing} is ${kind === 'missing' ? 'not readable' : 'a file, not a directory'}.`,
      {
        hint: 'choose a directory path with `--state-dir` or local.stateDir (a new path, or an empty directory); gardenos leaves that file alone',
        leftBehind: 'nothing was changed',
      },
    );
  }
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch {
    throw new GardenError(
      'STATE_DIR',
      `${root} cannot be ${existing === root ? 'written' : 'created'}: ${existing} is not writable for this user (uid ${process.getuid?.() ?? '?'}).`,
      {
        hint: `choose a state dir you can write (--state-dir or local.stateDir; by default one under your home), or fix the owner of ${existing}`,
        leftBehind: 'nothing was changed',
      },
    );
  }
  if (existing === root && !existsSync(layout.stateFile)) {
    const entries = readdirSafe(root);
    if (entries.length > 0) {
      throw new GardenError(
        'STATE_DIR',
        `${root} exists and is not empty, but it is not a gardenos state dir (no state.json).`,
        {
          hint: 'choose another state dir with `--state-dir` or local.stateDir, or empty that directory',
        },
      );
    }
  }
}

/**
 * What creating the state dir would create: the first missing directory on its path, or undefined
 * when the dir exists already (then only its contents are new). A rollback deletes exactly that.
 */
export function firstMissingDir(path: string): string | undefined {
  const existing = firstExistingAncestor(path);
  if (existing === path) return undefined;
  const rest = relative(existing, path).split(sep)[0]!;
  return join(existing, rest);
}

function firstExistingAncestor(path: string): string {
  let p = resolve(path);
  while (statKind(p) === 'missing' && dirname(p) !== p) p = dirname(p);
  return p;
}

function statKind(path: string): 'dir' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'other';
  } catch {
    return 'missing';
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The effective spec the platform was created with. It is validated again as spec input (an
 * effective spec is valid input), so fields added by a newer gardenos get their defaults.
 */
export async function readStoredSpec(layout: Layout): Promise<Spec | undefined> {
  if (!existsSync(layout.specFile)) return undefined;
  const text = readFileSync(layout.specFile, 'utf8');
  const spec = await loadSpecMemoized(text, { source: layout.specFile, defaultStateDir: () => layout.root });
  // A platform made before the pooler existed runs none: its stored spec has no pooler key.
  const stored = JSON.parse(text) as { pooler?: unknown };
  return stored.pooler === undefined ? { ...spec, pooler: { ...spec.pooler, enabled: false } } : spec;
}

/** Paths whose values differ between two specs (for "the spec changed since the platform was created"). */
export function specDifferences(a: unknown, b: unknown, path = ''): string[] {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) =>
      specDifferences(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : k,
      ),
    );
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path || '(top level)'];
}

export function createStateDir(layout: Layout, spec: Spec): void {
  for (const dir of [layout.root, layout.logsDir, layout.runDir, layout.haproxyDir])
    mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(layout.root, 0o755);
  writeAtomic(layout.specFile, JSON.stringify(spec, null, 2) + '\n', 0o644);
  writeAtomic(
    layout.stateFile,
    JSON.stringify({ format: STATE_FORMAT, name: spec.name, createdAt: new Date().toISOString() }) + '\n',
    0o644,
  );
}

function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** The local platform's passwords: Patroni's, and the services' role's. */
export type LocalSecrets = PlatformSecrets & { appPassword: string };

/** Generated once per platform, stored 0600, never printed. */
export function loadOrCreateSecrets(layout: Layout): LocalSecrets {
  if (existsSync(layout.secretsFile)) {
    const stored = JSON.parse(readFileSync(layout.secretsFile, 'utf8')) as PlatformSecrets & { appPassword?: string };
    if (stored.appPassword) return stored as LocalSecrets;
    // Made by a gardenos from before the services' own role: that password is added, the others kept.
    const added = { ...stored, appPassword: newPassword() };
    writeAtomic(layout.secretsFile, JSON.stringify(added, null, 2) + '\n', 0o600);
    return added;
  }
  const secrets: LocalSecrets = {
    superuserPassword: newPassword(),
    replicationPassword: newPassword(),
    rewindPassword: newPassword(),
    restapiPassword: newPassword(),
    appPassword: newPassword(),
  };
  writeAtomic(layout.secretsFile, JSON.stringify(secrets, null, 2) + '\n', 0o600);
  return secrets;
}

export function readSecrets(layout: Layout): PlatformSecrets {
  if (!existsSync(layout.secretsFile)) {
    throw new GardenError('NOT_RUNNING', `No secrets in ${layout.root}: this platform was never started.`, {
      hint: 'run `gardenos up` first (with the same --state-dir / spec)',
    });
  }
  return JSON.parse(readFileSync(layout.secretsFile, 'utf8')) as PlatformSecrets;
}
