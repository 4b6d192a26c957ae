// Kubernetes objects for doctor: from manifest files (YAML/JSON, multi-document, List) or `kubectl get -o json`.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject, Maybe } from './types.js';

/** Flattens `kind: List` / `*List` wrappers and drops anything that is not an object with a kind. */
export function flattenObjects(docs: unknown[], source: string): KubeObject[] {
  return docs.flatMap((d): KubeObject[] => {
    if (!d || typeof d !== 'object') return [];
    const o = d as { kind?: unknown; items?: unknown[]; metadata?: unknown };
    const kind = typeof o.kind === 'string' ? o.kind : undefined;
    if (Array.isArray(o.items) && kind?.endsWith('List')) {
      return flattenObjects(
        o.items.map((i) => ({ ...(i as object), kind: (i as { kind?: string }).kind ?? kind.replace(/List$/, '') })),
        source,
      );
    }
    if (kind === undefined) return [];
    return [{ ...(o as KubeObject), metadata: (o.metadata ?? {}) as KubeObject['metadata'], source }];
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return filesUnder(path);
      return /\.(ya?ml|json)$/.test(name) ? [path] : [];
    });
}

export function readManifestDir(dir: string): Maybe<KubeObject[]> {
  try {
    return {
      ok: true,
      value: filesUnder(dir).flatMap((file) => {
        const docs = parseAllDocuments(readFileSync(file, 'utf8'));
        const bad = docs.find((d) => d.errors.length > 0);
        if (bad) throw new Error(`${file}: ${bad.errors[0]!.message}`);
        return flattenObjects(
          docs.map((d) => d.toJSON() as unknown),
          file,
        );
      }),
    };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

export const LIVE_KINDS =
  'nodes,storageclasses,persistentvolumeclaims,services,endpoints,pods,statefulsets,deployments,configmaps';

export type KubectlRunner = (args: string[]) => Promise<string>;

export const execKubectl =
  (kubectl: string): KubectlRunner =>
  (args) =>
    new Promise((resolve, reject) => {
      execFile(kubectl, args, { timeout: 15000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
        err ? reject(new Error(stderr.trim() || err.message)) : resolve(stdout),
      );
    });

/** One `kubectl get` of every kind doctor looks at, all namespaces. ConfigMap data is read, Secrets never. */
export async function readLiveObjects(kubeconfig: string, run: KubectlRunner): Promise<Maybe<KubeObject[]>> {
  try {
    const out = await run(['--kubeconfig', kubeconfig, 'get', LIVE_KINDS, '--all-namespaces', '-o', 'json']);
    return { ok: true, value: flattenObjects([JSON.parse(out)], 'live cluster') };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
