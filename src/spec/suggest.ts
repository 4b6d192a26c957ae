// "Did you mean" for unknown keys: the keys a schema allows at a path, and the closest one to a typo.
import { z } from 'zod';

/** The object keys the schema allows at `path` (array indexes and defaults are looked through). */
export function knownKeysAt(schema: z.ZodType, path: (string | number)[]): string[] {
  const objects = objectsAt(schema, path);
  return [...new Set(objects.flatMap((o) => Object.keys(o.shape)))].sort();
}

function objectsAt(schema: z.ZodType, path: (string | number)[]): z.ZodObject[] {
  const candidates = unwrap(schema);
  if (path.length === 0) return candidates.filter((s): s is z.ZodObject => s instanceof z.ZodObject);
  const [head, ...rest] = path;
  return candidates.flatMap((s) => {
    if (s instanceof z.ZodObject && typeof head === 'string' && head in s.shape) {
      return objectsAt(s.shape[head] as z.ZodType, rest);
    }
    if (s instanceof z.ZodArray && typeof head === 'number') return objectsAt(s.element as z.ZodType, rest);
    return [];
  });
}

/** Looks through default/optional wrappers and unions to the concrete schemas. */
function unwrap(schema: z.ZodType): z.ZodType[] {
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodOptional) {
    return unwrap(schema.unwrap() as z.ZodType);
  }
  if (schema instanceof z.ZodUnion) return (schema.options as z.ZodType[]).flatMap(unwrap);
  return [schema];
}

/** The closest candidate within a small edit distance, or undefined. */
export function suggest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const allowed = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
