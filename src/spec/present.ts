// Views of the spec for people and editors: JSON Schema, and printing with secrets masked and defaults explained.
import { Document, isScalar } from 'yaml';
import { z } from 'zod';
import type { Spec } from './resolve.js';
import { specSchema, SYNCHRONOUS_MODE_DEFAULT_NOTE } from './schema.js';
import { readYaml } from './yaml-source.js';

export function specJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(specSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}

const SECRET_KEY = /password|secret|token|key$/i;

/** A deep copy with the value of any secret-looking key replaced by "********". */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        SECRET_KEY.test(k) && typeof v === 'string' ? '********' : maskSecrets(v),
      ]),
    );
  }
  return value;
}

/** Values the spec derives from other keys when the file leaves them out, and what to say about them. */
const DERIVED_DEFAULTS: { path: string[]; note: (spec: Spec) => string }[] = [
  {
    path: ['postgres', 'synchronousMode'],
    note: (spec) =>
      spec.nodes.length >= 2 ? SYNCHRONOUS_MODE_DEFAULT_NOTE : 'default for 1 node: there is no standby to wait for',
  },
];

/**
 * The effective spec as YAML for `gardenos spec print`: secrets masked, and a comment on each value
 * that was derived because `text` (the user's file, '' for none) leaves it out.
 */
export function renderEffectiveSpec(spec: Spec, options: { source: string; text: string }): string {
  const doc = new Document(maskSecrets(spec));
  const read = readYaml(options.text);
  for (const { path, note } of DERIVED_DEFAULTS) {
    if (read.ok && read.text.writtenDepth(path) === path.length) continue;
    const node = doc.getIn(path, true);
    if (isScalar(node)) node.comment = ` ${note(spec)}`;
  }
  return `# effective spec from ${options.source}\n${doc.toString()}`;
}
