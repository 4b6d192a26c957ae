// Where the effective spec comes from: flags > env > file > built-in defaults, in this one place.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { GardenError } from '../errors.js';
import { layoutOf } from '../local/layout.js';
import { readStateMarker, readStoredSpec } from '../local/state-dir.js';
import { isRoot } from '../runtime/os-user.js';
import { MAX_SPEC_BYTES } from '../spec/limits.js';
import { loadSpecMemoized } from '../spec/memo.js';
import type { Spec } from '../spec/resolve.js';
import type { CommandContext } from './command.js';

export function defaultStateDir(env: NodeJS.ProcessEnv): (name: string) => string {
  // As root, PostgreSQL runs as `postgres`, which cannot enter /root: keep state under /var/lib.
  if (isRoot()) return (name) => `/var/lib/gardenos/${name}`;
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return (name) => join(base, 'gardenos', name);
}

export interface SpecSource {
  spec: Spec;
  source: string;
  text: string;
}

/** The directory a spec's relative paths (identityFile, knownHostsFile) start from: the spec file's, else the cwd. */
export function specDirOf(ctx: CommandContext): string {
  const file = (ctx.values.file as string | undefined) ?? ctx.env.GARDENOS_FILE;
  return file ? dirname(resolve(ctx.cwd, file)) : ctx.cwd;
}

/** Reads and validates the spec named by flags/env, or the built-in defaults. */
export async function readSpec(ctx: CommandContext, fileArg?: string): Promise<SpecSource> {
  const file = fileArg ?? (ctx.values.file as string | undefined) ?? ctx.env.GARDENOS_FILE;
  const implicit = resolve(ctx.cwd, 'gardenos.yaml');
  let text = '';
  let source = 'built-in defaults';
  // An empty file is a mistake (a truncated copy, the wrong file), unlike no file at all: only the latter means the defaults.
  let fromFile = false;
  if (file !== undefined) {
    const path = resolve(ctx.cwd, file);
    if (!existsSync(path)) {
      throw new GardenError('SPEC_NOT_FOUND', `The spec file ${path} does not exist.`, {
        hint: 'check the path given to --file, or run without it to use ./gardenos.yaml or the built-in defaults',
      });
    }
    text = readSpecFile(path);
    source = file;
    fromFile = true;
  } else if (existsSync(implicit)) {
    text = readSpecFile(implicit);
    source = 'gardenos.yaml';
    fromFile = true;
  }
  const stateDir = (ctx.values['state-dir'] as string | undefined) ?? ctx.env.GARDENOS_STATE_DIR;
  const basePortText = (ctx.values['base-port'] as string | undefined) ?? ctx.env.GARDENOS_BASE_PORT;
  const basePort = basePortText === undefined ? undefined : Number(basePortText);
  if (basePortText !== undefined && !Number.isInteger(basePort)) {
    throw new GardenError('USAGE', `--base-port must be a whole number, got "${basePortText}".`, {
      hint: 'for example --base-port 16000',
    });
  }
  const spec = await loadSpecMemoized(text, {
    source,
    fromFile,
    defaultStateDir: defaultStateDir(ctx.env),
    overrides: {
      ...(stateDir !== undefined ? { stateDir: resolve(ctx.cwd, stateDir) } : {}),
      ...(basePort !== undefined ? { basePort } : {}),
    },
  });
  return { spec, source, text };
}

/** Reads a spec file, refusing one too large to be a spec before reading it into memory. */
function readSpecFile(path: string): string {
  const st = statSync(path);
  if (st.isDirectory()) {
    throw new GardenError('SPEC_NOT_FOUND', `${path} is a directory, not a spec file.`, {
      hint: `name the file itself, such as ${path.replace(/\/$/, '')}/gardenos.yaml`,
    });
  }
  const size = st.size;
  if (size > MAX_SPEC_BYTES) {
    throw new GardenError(
      'SPEC_PARSE',
      `${path} is ${size} bytes; a spec is a few kilobytes and gardenos reads at most ${MAX_SPEC_BYTES} (1 MiB).`,
      {
        hint: 'check that --file or GARDENOS_FILE names your gardenos.yaml and not another file',
      },
    );
  }
  return readFileSync(path, 'utf8');
}

/**
 * For commands on a platform that already exists: the spec it was created with (its ports and
 * names) wins over the file, so `status` finds the platform even if gardenos.yaml changed since.
 */
export async function readPlatformSpec(ctx: CommandContext, command?: string): Promise<Spec> {
  const { spec, source } = await readSpec(ctx);
  if (spec.hosts) {
    throw new GardenError(
      'NOT_CONFIGURED',
      `\`gardenos ${command ?? 'this command'}\` works on a platform on this machine, and ${source} describes hosts (the hosts target), where it is not available yet. Nothing was done.`,
      {
        hint: 'on hosts use provision, status, doctor, verify, backup, switchover, failover, dcs, logs, psql and secrets; or run it with a spec without `hosts`',
      },
    );
  }
  const layout = layoutOf(spec.local.stateDir);
  if (!readStateMarker(layout)) {
    throw new GardenError('NOT_RUNNING', `There is no gardenos platform in ${layout.root}.`, {
      hint: 'start one with `gardenos up`, or point at it with --state-dir / --file',
    });
  }
  return (await readStoredSpec(layout)) ?? spec;
}
