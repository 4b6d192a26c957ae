// The secrets behind the Kubernetes manifests: generated once, kept 0600 in a JSON file, never printed.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GardenError } from '../errors.js';
import type { K8sSecrets } from '../render/k8s/index.js';
import { assertSupabaseSecrets, generateSupabaseSecrets } from '../supabase/index.js';

const password = () => randomBytes(24).toString('base64url');

/**
 * Reads the secrets file, adding what the spec now needs (Supabase secrets once supabase.enabled),
 * and writes it back 0600 when it added anything. Existing values are never replaced.
 */
export async function loadOrCreateK8sSecrets(
  file: string,
  opts: { supabase: boolean },
): Promise<{ secrets: K8sSecrets; created: boolean }> {
  let stored: Partial<K8sSecrets> = {};
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new GardenError(
        'SECRETS_INVALID',
        `${file} holds passwords but is readable by others (mode ${mode.toString(8)}).`,
        {
          hint: `run \`chmod 600 ${file}\`, and rotate the passwords if others may have read them`,
        },
      );
    }
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<K8sSecrets>;
    } catch (cause) {
      throw new GardenError('SECRETS_INVALID', `${file} is not valid JSON.`, {
        hint: `restore it from a backup; deleting it generates new passwords that the running cluster does not know`,
        cause,
      });
    }
  }
  let changed = false;
  const secrets: K8sSecrets = {
    postgres:
      stored.postgres ??
      ((changed = true),
      {
        superuserPassword: password(),
        replicationPassword: password(),
        rewindPassword: password(),
        restapiPassword: password(),
      }),
    // Files from before the services had their own role get its password added.
    appPassword: stored.appPassword ?? ((changed = true), password()),
    ...(stored.supabase ? { supabase: await assertSupabaseSecrets(stored.supabase, file) } : {}),
  };
  if (opts.supabase && !secrets.supabase) {
    secrets.supabase = await generateSupabaseSecrets();
    changed = true;
  }
  if (changed) writeSecretFile(file, JSON.stringify(secrets, null, 2) + '\n');
  return { secrets, created: changed };
}

export function writeSecretFile(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
