// Supabase on the local platform: its secrets file (0600) and the DB bootstrap applied through the primary port.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlatformSecrets } from '../render/index.js';
import type { Spec } from '../spec/index.js';
import {
  applyBootstrap,
  assertSupabaseSecrets,
  generateSupabaseSecrets,
  type SupabaseSecrets,
} from '../supabase/index.js';
import type { Layout } from './layout.js';
import { localPgSsl } from './server-clients.js';
import { withPg } from '../runtime/index.js';
import { writeAtomic } from '../runtime/index.js';

export const supabaseSecretsFile = (layout: Layout) => join(layout.root, 'supabase-secrets.json');

/** Generated once per platform (JWT secret, anon and service_role keys, login passwords), never printed. */
export async function loadOrCreateSupabaseSecrets(layout: Layout): Promise<SupabaseSecrets> {
  const file = supabaseSecretsFile(layout);
  if (existsSync(file)) return assertSupabaseSecrets(JSON.parse(readFileSync(file, 'utf8')), file);
  const secrets = await generateSupabaseSecrets();
  writeAtomic(file, JSON.stringify(secrets, null, 2) + '\n', 0o600);
  return secrets;
}

/** The stored Supabase secrets, if this platform has them (read commands never generate). */
export function readSupabaseSecrets(layout: Layout): SupabaseSecrets | undefined {
  const file = supabaseSecretsFile(layout);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SupabaseSecrets) : undefined;
}

/** Runs the idempotent bootstrap on the primary (through HAProxy's primary port) as the superuser. */
export async function applyLocalSupabase(spec: Spec, layout: Layout, secrets: PlatformSecrets): Promise<string> {
  const supabase = await loadOrCreateSupabaseSecrets(layout);
  await withPg(spec, secrets, spec.haproxy.primaryPort, (c) => applyBootstrap(c, supabase.passwords), localPgSsl(spec));
  return `roles and schemas in place; keys in ${supabaseSecretsFile(layout)}`;
}
