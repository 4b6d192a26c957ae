// Test helper: finds fields the Kubernetes API does not know (typos), using @kubernetes/client-node's
// generated models. kubernetes-models checks types and required fields but lets unknown fields through.
import * as models from '@kubernetes/client-node';

interface Attribute {
  baseName: string;
  type: string;
}
type ModelClass = { getAttributeTypeMap(): Attribute[] };

const PRIMITIVE = new Set(['string', 'number', 'boolean', 'Date', 'IntOrString', 'object', 'any']);

function modelOf(type: string): ModelClass {
  const model = (models as unknown as Record<string, unknown>)[type] as ModelClass | undefined;
  if (!model || typeof model.getAttributeTypeMap !== 'function') throw new Error(`no client-node model ${type}`);
  return model;
}

function walk(type: string, value: unknown, path: string, found: string[]): void {
  if (value === undefined || value === null || PRIMITIVE.has(type)) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((v, i) => walk(array[1]!, v, `${path}[${i}]`, found));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    for (const [k, v] of Object.entries(value as object)) walk(map[1]!, v, `${path}.${k}`, found);
    return;
  }
  const attributes = modelOf(type).getAttributeTypeMap();
  for (const [key, v] of Object.entries(value as object)) {
    const attr = attributes.find((a) => a.baseName === key);
    if (!attr) found.push(`${path}.${key}`);
    else walk(attr.type, v, `${path}.${key}`, found);
  }
}

/** Paths of unknown fields; kinds without a client-node model (Gateway API) return undefined. */
export function unknownFields(obj: { kind: string }): string[] | undefined {
  const type = `V1${obj.kind}`;
  if (!(models as unknown as Record<string, unknown>)[type]) return undefined;
  const found: string[] = [];
  walk(type, obj, obj.kind, found);
  return found;
}
