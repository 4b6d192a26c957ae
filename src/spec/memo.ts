// loadSpec is pure, so the built CLI keeps each result it validated, by a hash of its inputs: the next
// command on the same gardenos.yaml or stored spec.json reads that JSON back instead of loading yaml
// and zod, whose import alone costs a short command such as `status` about 150 ms.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { deepFreeze } from './freeze.js';
import type { LoadOptions } from './load.js';
import type { Spec } from './resolve.js';

/** Where validated specs are kept; a test passes a directory of its own. */
export interface SpecMemo {
  get(key: string): unknown;
  set(key: string, spec: Spec): void;
}

/** Set by bin/gardenos.js's esbuild `define` when the CLI runs from its bundle. */
declare const GARDENOS_BUNDLED: boolean | undefined;

/** Parses and validates spec text like loadSpec, from the memo when these inputs were validated before. */
export async function loadSpecMemoized(
  text: string,
  options: LoadOptions,
  memo: SpecMemo | undefined = bundleMemo(),
): Promise<Spec> {
  const key = memo ? memoKey(text, options) : '';
  const kept = memo?.get(key);
  if (kept !== undefined) return deepFreeze(kept as Spec);
  const { loadSpec } = await import('./load.js');
  const spec = loadSpec(text, options);
  // Kept only when JSON gives back exactly this spec, so a hit can never differ from a fresh load.
  if (memo && isDeepStrictEqual(JSON.parse(JSON.stringify(spec)), spec)) memo.set(key, spec);
  return spec;
}

/**
 * Everything loadSpec's result depends on. `defaultStateDir` maps a name to a directory by a fixed
 * rule (a base joined with the name, or one directory): its value for a name no spec can have stands
 * for it. Errors are never kept: a spec with problems is loaded, and reported, every time.
 */
export function memoKey(text: string, options: LoadOptions): string {
  const inputs = [
    1,
    text,
    options.source,
    options.fromFile === true,
    options.overrides?.stateDir ?? null,
    options.overrides?.basePort ?? null,
    options.defaultStateDir('\u0000'),
  ];
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
}

/** Files `<key>.json` in one directory, 0600 in a 0700 directory; best effort: any failure is a miss. */
export function directoryMemo(dir: string, maxEntries = 256): SpecMemo {
  return {
    get(key) {
      try {
        return JSON.parse(readFileSync(join(dir, `${key}.json`), 'utf8')) as unknown;
      } catch {
        return undefined;
      }
    },
    set(key, spec) {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        // Test runs make a spec per state dir: start over rather than grow without bound.
        if (readdirSync(dir).length >= maxEntries) {
          for (const name of readdirSync(dir)) rmSync(join(dir, name), { force: true });
        }
        const tmp = join(dir, `${key}.${process.pid}.tmp`);
        writeFileSync(tmp, JSON.stringify(spec), { mode: 0o600 });
        renameSync(tmp, join(dir, `${key}.json`));
      } catch {
        // A read-only install or another user's cache: the next run validates again.
      }
    },
  };
}

/**
 * The bundle's own directory (node_modules/.cache/gardenos/cli), which bin/gardenos.js replaces
 * whenever a source file changes: a memo never outlives the code that validated it. Off when the
 * sources run directly (tests, tsx).
 */
function bundleMemo(): SpecMemo | undefined {
  if (typeof GARDENOS_BUNDLED === 'undefined' || !GARDENOS_BUNDLED) return undefined;
  return directoryMemo(fileURLToPath(new URL('./spec-memo/', import.meta.url)));
}
