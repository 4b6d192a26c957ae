#!/usr/bin/env node
// Entry point. Bundles src/ with esbuild (already installed with tsx) into node_modules/.cache the first
// time and whenever a source file is newer, then runs the bundle: no build step, no stale output, and
// long-running processes such as the router do not carry a TypeScript loader (about 40 MB of memory).

import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'node_modules', '.cache', 'gardenos', 'cli');
const bundle = join(outDir, 'run.js');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const self = fileURLToPath(import.meta.url);
if (
  !existsSync(bundle) ||
  statSync(bundle).mtimeMs < Math.max(newestSource(join(root, 'src')), statSync(self).mtimeMs)
) {
  // Code splitting keeps each command's packages in its own chunk, loaded only when that command
  // runs (the router never loads pg or the Kubernetes client). Built aside and swapped in by rename,
  // because several gardenos processes may start at once.
  const tmp = `${outDir}.${process.pid}.tmp`;
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(root, 'src', 'cli', 'run.ts')],
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // Tells the bundle it is one (src/spec/memo.ts keeps validated specs beside it).
    define: { GARDENOS_BUNDLED: 'true' },
    outdir: tmp,
    logLevel: 'error',
  });
  const old = `${outDir}.${process.pid}.old`;
  if (existsSync(outDir)) renameSync(outDir, old);
  try {
    renameSync(tmp, outDir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process won the race; its build is as fresh
  }
  rmSync(old, { recursive: true, force: true });
}
await import(pathToFileURL(bundle).href);
