// Parses gardenos.yaml text into a frozen effective Spec, or a SpecError listing every problem with its line.
import type { z } from 'zod';
import { GardenError } from '../errors.js';
import { resolveSpec, type Spec } from './resolve.js';
import { checkHostsInput } from './hosts-rules.js';
import { checkRules, type SpecPath, type SpecProblem } from './rules.js';
import { specSchema } from './schema.js';
import { knownKeysAt, suggest } from './suggest.js';
import { readYaml, type YamlText } from './yaml-source.js';

export class SpecError extends GardenError {
  readonly problems: SpecProblem[];
  readonly source: string;

  /** SPEC_PARSE when the text is not readable YAML, SPEC_INVALID when the YAML is not a valid spec. */
  constructor(source: string, problems: SpecProblem[], code: 'SPEC_INVALID' | 'SPEC_PARSE' = 'SPEC_INVALID') {
    super(
      code,
      `${source} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => '  ' + formatProblem(source, p)).join('\n'),
      {
        hint: `fix the lines above and run \`gardenos spec check ${source}\`; \`gardenos spec schema\` gives a JSON Schema for editor completion`,
      },
    );
    this.problems = problems;
    this.source = source;
  }
}

export function formatPath(path: SpecPath): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
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
  /**
   * The text was read from a file: an empty document (nothing, only comments, or null) is then
   * refused instead of meaning the built-in defaults. Leave it off when there is no file.
   */
  fromFile?: boolean;
}

/** Parse and validate spec text; without `fromFile`, empty text means the built-in defaults. */
export function loadSpec(text: string, options: LoadOptions): Spec {
  const read = readYaml(text, { fromFile: options.fromFile });
  if (!read.ok) throw new SpecError(options.source, read.problems, read.code);
  const yaml = read.text;
  const raw = applyOverrides(yaml.value, options.overrides);
  const lineOf = (path: SpecPath) => yaml.lineOf(path);

  const parsed = specSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) => issueToProblems(issue, lineOf));
    throw new SpecError(
      options.source,
      problems.map((p) => placeProblem(p, yaml, options.overrides)),
    );
  }
  const conflicts = checkHostsInput(raw).map((p) => placeProblem(p, yaml, options.overrides));
  if (conflicts.length > 0) throw new SpecError(options.source, conflicts);
  const spec = resolveSpec(parsed.data, options.defaultStateDir);
  const problems = checkRules(spec).map((p) => placeProblem(p, yaml, options.overrides));
  if (problems.length > 0) throw new SpecError(options.source, problems);
  return spec;
}

const OVERRIDE_SOURCES: Record<keyof SpecOverrides, string> = {
  stateDir: '--state-dir or GARDENOS_STATE_DIR',
  basePort: '--base-port or GARDENOS_BASE_PORT',
};

/**
 * Puts a problem on a line the user wrote. A value set by a flag has no line; a derived or defaulted
 * key (a port from local.basePort) is reported where the file spells out the other side (`alsoAt`),
 * else on its nearest written parent; never on an unrelated first line of the file.
 */
function placeProblem(
  { alsoAt, ...p }: SpecProblem,
  yaml: YamlText,
  overrides: SpecOverrides | undefined,
): SpecProblem {
  const overridden = (Object.keys(OVERRIDE_SOURCES) as (keyof SpecOverrides)[]).find(
    (k) => overrides?.[k] !== undefined && p.path.length === 2 && p.path[0] === 'local' && p.path[1] === k,
  );
  if (overridden)
    return {
      ...p,
      line: undefined,
      message: `${p.message} (local.${overridden} comes from ${OVERRIDE_SOURCES[overridden]})`,
    };
  const written = (path: SpecPath) => yaml.writtenDepth(path) === path.length;
  if (!written(p.path) && alsoAt && written(alsoAt)) return { ...p, path: alsoAt, line: yaml.lineOf(alsoAt) };
  const depth = yaml.writtenDepth(p.path);
  return { ...p, line: depth > 0 || p.path.length === 0 ? yaml.lineOf(p.path) : undefined };
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
    // `postgres:` with every child line deleted or commented out reads as null.
    if ('input' in issue && issue.input === null)
      return `has no value (expected ${typeName(issue.expected)}); its lines are missing or commented out`;
    return `expected ${typeName(issue.expected)}${'input' in issue ? `, got ${describeValue(issue.input)}` : ''}`;
  }
  if (issue.code === 'invalid_union') return 'has the wrong type: ' + unionExpectation(issue.errors);
  return issue.message;
}

function issueHint(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if ('input' in issue && issue.input === null)
        return `remove the key to use the defaults, or write ${typeName(issue.expected)} under it`;
      return 'input' in issue && issue.input === undefined
        ? `add this key with ${typeName(issue.expected)}`
        : `write ${typeName(issue.expected)}`;
    case 'too_small':
      return `use a value of at least ${String(issue.minimum)}`;
    case 'too_big':
      return `use a value of at most ${String(issue.maximum)}`;
    case 'invalid_value':
      return `use one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return 'see `gardenos spec schema` for the allowed forms';
    case 'custom': {
      const hint = (issue.params as { hint?: unknown } | undefined)?.hint;
      return typeof hint === 'string' ? hint : 'see `gardenos spec schema` for the allowed values';
    }
    default:
      return 'see `gardenos spec schema` for the allowed values';
  }
}

function unionExpectation(errors: z.core.$ZodIssue[][]): string {
  const firsts = errors.map((branch) => branch[0]).filter((i): i is z.core.$ZodIssue => i !== undefined);
  const types = firsts.filter((i) => i.code === 'invalid_type').map((i) => (i as { expected: string }).expected);
  if (types.length === firsts.length) return `expected ${types.map(typeName).join(' or ')}`;
  return firsts.map((i) => i.message).join('; or ');
}

const TYPE_NAMES: Record<string, string> = {
  int: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  record: 'a mapping (key: value)',
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
