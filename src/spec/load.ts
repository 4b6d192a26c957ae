// Parses gardenos.yaml text into a frozen effective Spec, or a SpecError listing every problem with its line.
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { GardenError } from '../errors.js';
import { resolveSpec, type Spec } from './resolve.js';
import { checkRules, type SpecPath, type SpecProblem } from './rules.js';
import { specSchema } from './schema.js';
import { knownKeysAt, suggest } from './suggest.js';

export class SpecError extends GardenError {
  readonly problems: SpecProblem[];
  readonly source: string;

  constructor(source: string, problems: SpecProblem[]) {
    super('SPEC_INVALID', `${source} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
      problems.map((p) => '  ' + formatProblem(source, p)).join('\n'), {
      hint: `fix the lines above and run \`gardenos spec check ${source}\`; \`gardenos spec schema\` gives a JSON Schema for editor completion`,
    });
    this.problems = problems;
    this.source = source;
  }
}

export function formatPath(path: SpecPath): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => typeof p === 'number' ? `[${p}]` : (i === 0 ? p : `.${p}`)).join('');
}

export function formatProblem(source: string, p: SpecProblem): string {
  const where = p.line ? `${source}:${p.line}` : source;
  return `${where} ${formatPath(p.path)}: ${p.message}. Fix: ${p.hint}.`;
}

export interface SpecOverrides {
  stateDir?: string;
  basePort?: number;
}

export interface LoadOptions {
  /** Name shown in messages: a file path or "built-in defaults". */
  source: string;
  defaultStateDir: (name: string) => string;
  overrides?: SpecOverrides;
}

/** Parse and validate spec text; empty text means the built-in defaults. */
export function loadSpec(text: string, options: LoadOptions): Spec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new SpecError(options.source, doc.errors.map((e) => ({
      path: [],
      line: e.linePos?.[0]?.line,
      message: `YAML syntax error: ${e.message.split('\n')[0]}`,
      hint: 'correct the YAML syntax (indentation, colons, quotes)',
    })));
  }
  const raw = applyOverrides(doc.toJS() ?? {}, options.overrides);
  const lineOf = (path: SpecPath) => findLine(doc, lineCounter, path);

  const parsed = specSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    throw new SpecError(options.source, parsed.error.issues.flatMap((issue) => issueToProblems(issue, lineOf)));
  }
  const spec = resolveSpec(parsed.data, options.defaultStateDir);
  // A collision between an explicit and a derived port is reported where the file spells the port out;
  // the derived side's path does not exist in the file and would point at an unrelated line.
  const problems = checkRules(spec).map(({ alsoAt, ...p }) => {
    const path = alsoAt && !isWritten(doc, p.path) && isWritten(doc, alsoAt) ? alsoAt : p.path;
    return { ...p, path, line: lineOf(path) };
  });
  if (problems.length > 0) throw new SpecError(options.source, problems);
  return spec;
}

function applyOverrides(raw: unknown, overrides: SpecOverrides | undefined): unknown {
  if (!overrides || (overrides.stateDir === undefined && overrides.basePort === undefined)) return raw;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const obj = raw as Record<string, unknown>;
  const local = typeof obj.local === 'object' && obj.local !== null ? { ...(obj.local as object) } : {};
  if (overrides.stateDir !== undefined) Object.assign(local, { stateDir: overrides.stateDir });
  if (overrides.basePort !== undefined) Object.assign(local, { basePort: overrides.basePort });
  return { ...obj, local };
}

function issueToProblems(issue: z.core.$ZodIssue, lineOf: (p: SpecPath) => number | undefined): SpecProblem[] {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (issue.code === 'invalid_union') {
    // A branch whose issues all lie below the value accepted its shape (e.g. `nodes` given as a list):
    // its issues are the real problems. Otherwise a typo inside a list item reads "expected number or string".
    const matched = issue.errors.filter((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
    if (matched.length === 1) {
      return matched[0]!.flatMap((sub) => issueToProblems({ ...sub, path: [...path, ...sub.path] }, lineOf));
    }
  }
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(specSchema, path);
    return issue.keys.map((key) => {
      const close = suggest(key, known);
      return {
        path: [...path, key],
        line: lineOf([...path, key]),
        message: `unknown key "${key}"${close ? ` (did you mean "${close}")` : ''}`,
        hint: close ? `rename it to "${close}"` : `remove it; allowed keys here: ${known.join(', ')}`,
      };
    });
  }
  return [{ path, line: lineOf(path), message: issueMessage(issue), hint: issueHint(issue) }];
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    if ('input' in issue && issue.input === undefined) return `is required (${typeName(issue.expected)})`;
    return `expected ${typeName(issue.expected)}${'input' in issue ? `, got ${describeValue(issue.input)}` : ''}`;
  }
  if (issue.code === 'invalid_union') return 'has the wrong type: ' + unionExpectation(issue.errors);
  return issue.message;
}

function issueHint(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': return 'input' in issue && issue.input === undefined
      ? `add this key with ${typeName(issue.expected)}` : `write ${typeName(issue.expected)}`;
    case 'too_small': return `use a value of at least ${String(issue.minimum)}`;
    case 'too_big': return `use a value of at most ${String(issue.maximum)}`;
    case 'invalid_value': return `use one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union': return 'see `gardenos spec schema` for the allowed forms';
    default: return 'see `gardenos spec schema` for the allowed values';
  }
}

function unionExpectation(errors: z.core.$ZodIssue[][]): string {
  const firsts = errors.map((branch) => branch[0]).filter((i): i is z.core.$ZodIssue => i !== undefined);
  const types = firsts.filter((i) => i.code === 'invalid_type').map((i) => (i as { expected: string }).expected);
  if (types.length === firsts.length) return `expected ${types.map(typeName).join(' or ')}`;
  return firsts.map((i) => i.message).join('; or ');
}

const TYPE_NAMES: Record<string, string> = {
  int: 'a whole number', number: 'a number', string: 'a string', boolean: 'true or false',
  object: 'a mapping (key: value)', array: 'a list', record: 'a mapping (key: value)',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v;
}

/** The 1-based line of the deepest node of `path` that exists in the document. */
function findLine(doc: Document, lc: LineCounter, path: SpecPath): number | undefined {
  const { offset } = walk(doc, path);
  return offset === undefined ? undefined : lc.linePos(offset).line;
}

/** Whether the document spells out the whole of `path`. */
function isWritten(doc: Document, path: SpecPath): boolean {
  return walk(doc, path).depth === path.length;
}

function walk(doc: Document, path: SpecPath): { offset: number | undefined; depth: number } {
  let node: unknown = doc.contents;
  let offset: number | undefined = rangeStart(node);
  let depth = 0;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => String((it.key as { value?: unknown } | null)?.value ?? it.key) === String(key));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number' && node.items[key] !== undefined) {
      node = node.items[key];
      offset = rangeStart(node) ?? offset;
    } else break;
    depth++;
  }
  return { offset, depth };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? range[0] : undefined;
}
