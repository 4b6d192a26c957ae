// Writes rendered manifests to a directory: temp file + rename, only files whose bytes changed.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { K8S_HEADER } from '../render/k8s/index.js';

export interface WriteResult {
  written: string[];
  unchanged: string[];
  removed: string[];
}

/** Files that hold secret values get 0600; the others 0644. */
const SECRET_FILES = new Set(['secrets.yaml']);

export function writeManifests(dir: string, files: ReadonlyMap<string, string>): WriteResult {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const result: WriteResult = { written: [], unchanged: [], removed: [] };
  for (const [name, text] of [...files.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const path = join(dir, name);
    const mode = SECRET_FILES.has(name) ? 0o600 : 0o644;
    if (existsSync(path) && readFileSync(path, 'utf8') === text) {
      chmodSync(path, mode);
      result.unchanged.push(name);
      continue;
    }
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, text, { mode });
    chmodSync(tmp, mode);
    renameSync(tmp, path);
    result.written.push(name);
  }
  // A component that is no longer rendered (a removed service) must not linger in `kubectl apply -k`.
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.yaml') || files.has(name)) continue;
    const path = join(dir, name);
    if (readFileSync(path, 'utf8').startsWith(`# ${K8S_HEADER}`)) {
      rmSync(path);
      result.removed.push(name);
    }
  }
  return result;
}
