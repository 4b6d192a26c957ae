// Shared by render and deploy: where the manifests and their secrets file live, and rendering them.
import { resolve, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { GardenError, describeCause } from '../errors.js';
import { loadOrCreateK8sSecrets } from '../k8s/index.js';
import { assertRenderable, renderK8s, type EtcdClientPem, type K8sComponent } from '../render/k8s/index.js';
import type { Spec } from '../spec/index.js';
import type { CommandContext, OptionSpec } from './command.js';

export const K8S_OPTIONS: OptionSpec = {
  file: { type: 'string', short: 'f' },
  out: { type: 'string', short: 'o' },
  secrets: { type: 'string' },
};

export const K8S_USAGE = `  -f, --file FILE      spec file (default: ./gardenos.yaml if present, else built-in defaults)
  -o, --out DIR        manifest directory (default ./gardenos-k8s)
      --secrets FILE   generated secrets, JSON, mode 0600 (default DIR/.secrets.json); never printed`;

export function k8sPaths(ctx: CommandContext): { outDir: string; secretsFile: string } {
  const outDir = resolve(ctx.cwd, (ctx.values.out as string | undefined) ?? 'gardenos-k8s');
  const secretsFile = resolve(ctx.cwd, (ctx.values.secrets as string | undefined) ?? join(outDir, '.secrets.json'));
  return { outDir, secretsFile };
}

export async function renderFor(
  spec: Spec,
  secretsFile: string,
  specDir: string,
): Promise<{ components: K8sComponent[]; createdSecrets: boolean }> {
  assertRenderable(spec);
  // Read before the secrets file is made: a refused render leaves nothing behind.
  const etcdTls = readEtcdClientTls(spec, specDir);
  const { secrets, created } = await loadOrCreateK8sSecrets(secretsFile, { supabase: spec.supabase.enabled });
  return { components: renderK8s({ spec, secrets, ...(etcdTls ? { etcdTls } : {}) }), createdSecrets: created };
}

/** The PEM files k8s.etcdClientTls names (relative to the spec file), for the etcd client Secret. */
function readEtcdClientTls(spec: Spec, specDir: string): EtcdClientPem | undefined {
  const files = spec.k8s.etcdClientTls;
  if (!files || spec.etcd.scheme !== 'https' || spec.hosts) return undefined;
  const read = (field: keyof typeof files): string => {
    const path = resolve(specDir, files[field]);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (cause) {
      throw new GardenError(
        'RENDER_INPUT',
        `k8s.etcdClientTls.${field} names ${path}, which cannot be read: ${describeCause(cause)}.`,
        {
          hint: "point it at the PEM file (relative paths start at the spec file's directory), readable by you",
          cause,
        },
      );
    }
    if (!/-----BEGIN [A-Z ]+-----/.test(text)) {
      throw new GardenError('RENDER_INPUT', `k8s.etcdClientTls.${field}: ${path} is not a PEM file.`, {
        hint: 'give the PEM text (-----BEGIN CERTIFICATE----- or -----BEGIN ... PRIVATE KEY-----), not DER or a bundle path',
      });
    }
    return text;
  };
  return { ca: read('caFile'), cert: read('certFile'), key: read('keyFile') };
}

export function requireTarget(ctx: CommandContext): void {
  const target = ctx.values.target as string | undefined;
  if (target !== 'k8s') {
    throw new GardenError(
      'USAGE',
      target === undefined ? 'render needs --target.' : `Unknown render target "${target}".`,
      {
        hint: 'use `gardenos render --target k8s --out DIR` (the local target renders its configs during `gardenos up`)',
      },
    );
  }
}
