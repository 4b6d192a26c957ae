// The hosts target's generated credentials: created once in <stateDir>/hosts/secrets.json (0600), never printed.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GardenError } from '../errors.js';
import { writeAtomic } from '../runtime/index.js';
import type { HostsSecrets } from '../render/hosts/index.js';

export const HOSTS_SECRET_KEYS = [
  'superuserPassword',
  'replicationPassword',
  'rewindPassword',
  'restapiPassword',
  'haproxyStatsPassword',
  'k3sToken',
] as const satisfies readonly (keyof HostsSecrets)[];

/**
 * The same generator as the local target's passwords (src/local/state-dir.ts, which does not export
 * it): 24 random bytes as base64url, safe unquoted in env files, YAML and HAProxy's quoted strings.
 */
function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

const SECRET_VALUE = /^[A-Za-z0-9_-]{16,}$/;

export function hostsSecretsFile(stateDir: string): string {
  return join(stateDir, 'hosts', 'secrets.json');
}

/**
 * Reads the secrets, generating any that are missing (a file from an older gardenos keeps its
 * passwords and gains the new ones). A changed password would lock the running cluster out, so a
 * file that is not ours is refused, never overwritten.
 */
export function loadOrCreateHostsSecrets(
  file: string,
  generate: () => string = newSecret,
): { secrets: HostsSecrets; created: string[] } {
  const stored = existsSync(file) ? parse(file) : {};
  const created = HOSTS_SECRET_KEYS.filter((k) => stored[k] === undefined);
  if (created.length === 0) return { secrets: stored as HostsSecrets, created };
  const secrets = Object.fromEntries(
    HOSTS_SECRET_KEYS.map((k) => [k, stored[k] ?? generate()]),
  ) as unknown as HostsSecrets;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeAtomic(file, JSON.stringify(secrets, null, 2) + '\n', 0o600);
  return { secrets, created };
}

function parse(file: string): Partial<Record<keyof HostsSecrets, string>> {
  const refuse = (why: string, cause?: unknown) =>
    new GardenError('SECRETS_INVALID', `${file} ${why}, so the hosts' passwords cannot be read from it.`, {
      hint: 'restore it from your backup of the state dir; deleting it makes new passwords that the running hosts do not know',
      cause,
    });
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw refuse('is not valid JSON', cause);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw refuse('is not a JSON object');
  const record = data as Record<string, unknown>;
  const unknownKey = Object.keys(record).find((k) => !(HOSTS_SECRET_KEYS as readonly string[]).includes(k));
  if (unknownKey) throw refuse(`has a key "${unknownKey}" gardenos does not write`);
  for (const k of HOSTS_SECRET_KEYS) {
    const v = record[k];
    if (v !== undefined && (typeof v !== 'string' || !SECRET_VALUE.test(v)))
      throw refuse(`has a ${k} that is not 16 or more of A-Z a-z 0-9 _ -`);
  }
  return record as Partial<Record<keyof HostsSecrets, string>>;
}
