#!/usr/bin/env node
// Which npm packages a gardenos command loads at start, and through which chain of source files:
// `node scripts/command-deps.mjs status`. The CLI loads each command's module graph (static imports)
// whole, so one barrel import can make a short command pay for the dashboard's or gRPC's packages.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** package name -> the chain of files from the command's module to the first file importing it. */
export async function commandPackages(command) {
  const r = await build({
    entryPoints: [join(root, 'src', 'cli', 'run.ts')],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    metafile: true,
    write: false,
    logLevel: 'error',
    outdir: join(root, 'node_modules', '.cache', 'command-deps'),
    splitting: true,
  });
  const inputs = r.metafile.inputs;
  const start = `src/cli/commands/${command}.ts`;
  if (!inputs[start]) throw new Error(`no command module ${start}`);
  const parent = new Map([[start, null]]);
  const queue = [start];
  const found = new Map();
  while (queue.length > 0) {
    const file = queue.shift();
    for (const imp of inputs[file].imports) {
      if (imp.kind === 'dynamic-import') continue;
      if (imp.external) {
        if (imp.path.startsWith('node:')) continue;
        const pkg = imp.path.startsWith('@') ? imp.path.split('/').slice(0, 2).join('/') : imp.path.split('/')[0];
        if (!found.has(pkg)) {
          const chain = [];
          for (let f = file; f; f = parent.get(f)) chain.unshift(f);
          found.set(pkg, chain);
        }
      } else if (!parent.has(imp.path)) {
        parent.set(imp.path, file);
        queue.push(imp.path);
      }
    }
  }
  return found;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const found = await commandPackages(process.argv[2] ?? 'status');
  for (const [pkg, chain] of found) console.log(`${pkg}: ${chain.join(' -> ')}`);
}
