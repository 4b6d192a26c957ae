// Views of the spec for people and editors: JSON Schema, and printing with secrets masked.
import { z } from 'zod';
import { specSchema } from './schema.js';

export function specJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(specSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}

const SECRET_KEY = /password|secret|token|key$/i;

/** A deep copy with the value of any secret-looking key replaced by "********". */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) =>
      [k, SECRET_KEY.test(k) && typeof v === 'string' ? '********' : maskSecrets(v)]));
  }
  return value;
}
