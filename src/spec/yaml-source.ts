// Reads gardenos.yaml text into a plain value, and finds the line the user wrote for any spec path.
import {
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Alias,
  type Document,
  type YAMLError,
} from 'yaml';
import type { SpecPath, SpecProblem } from './rules.js';
import { describeYamlError } from './yaml-errors.js';

import { MAX_SPEC_BYTES } from './limits.js';

export { MAX_SPEC_BYTES };
/**
 * How many nodes aliases may expand to. A spec has no use for more; a "billion laughs" document
 * (aliases of aliases) would otherwise expand to gigabytes.
 */
export const MAX_ALIAS_COUNT = 100;

export interface YamlText {
  /** The document as plain data; {} when an empty text stands for the built-in defaults. */
  readonly value: unknown;
  /** The 1-based line of the deepest key of `path` the document spells out. */
  lineOf(path: SpecPath): number | undefined;
  /** How many leading elements of `path` the document spells out. */
  writtenDepth(path: SpecPath): number;
}

export type YamlRead =
  { ok: true; text: YamlText } | { ok: false; code: 'SPEC_PARSE' | 'SPEC_INVALID'; problems: SpecProblem[] };

export interface ReadOptions {
  /** The text came from a file the user wrote: an empty document is then a mistake, not "all defaults". */
  fromFile?: boolean;
}

export function readYaml(text: string, options: ReadOptions = {}): YamlRead {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SPEC_BYTES) {
    return parseFailure([
      {
        path: [],
        message: `the file is ${bytes} bytes; a spec is a few kilobytes and gardenos reads at most ${MAX_SPEC_BYTES} (1 MiB)`,
        hint: 'check that --file or GARDENOS_FILE names your gardenos.yaml and not another file',
      },
    ]);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const lines = existingLines(text);
  if (doc.errors.length > 0)
    return parseFailure(syntaxProblems(doc, doc.errors, lc, lines, text.replace(/\s+$/, '').length));
  const aliasProblem = unresolvedAlias(doc, lc);
  if (aliasProblem) return parseFailure([aliasProblem]);

  const contents = doc.contents;
  const empty = contents === null || (isScalar(contents) && contents.value === null);
  if (empty && !options.fromFile) return { ok: true, text: located({}, doc, lc) };
  if (empty) {
    return {
      ok: false,
      code: 'SPEC_INVALID',
      problems: [
        {
          path: [],
          line: undefined,
          message: 'the file is empty (or only comments or null), which would silently mean "all built-in defaults"',
          hint: 'write the keys you want to set, for example `name: garden`; or delete the file to run on the built-in defaults on purpose',
        },
      ],
    };
  }
  if (!isMap(contents)) return { ok: false, code: 'SPEC_INVALID', problems: [notAMapping(contents, lc)] };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // Every alias resolves (checked above), so a failure here is the alias expansion limit.
    const first = firstAlias(doc);
    if (!first) throw err;
    return parseFailure([
      {
        path: [],
        line: lineAt(lc, first.range?.[0]),
        message: `the aliases (*name) expand to more than ${MAX_ALIAS_COUNT} copies, far more than any spec needs; this is how "billion laughs" files exhaust memory`,
        hint: 'write the values out, or use each &anchor only a few times',
      },
    ]);
  }
  return { ok: true, text: located(value, doc, lc) };
}

function parseFailure(problems: SpecProblem[]): YamlRead {
  return { ok: false, code: 'SPEC_PARSE', problems };
}

function located(value: unknown, doc: Document, lc: LineCounter): YamlText {
  return {
    value,
    lineOf: (path) => lineAt(lc, walk(doc, path).offset),
    writtenDepth: (path) => walk(doc, path).depth,
  };
}

/** The yaml library's errors in operator words, one per line, never on a line past the end of the file. */
function syntaxProblems(
  doc: Document,
  errors: YAMLError[],
  lc: LineCounter,
  lines: number,
  contentEnd: number,
): SpecProblem[] {
  // The parser often reports one mistake two or three ways on one line: its first report names the
  // cause, and the furthest-reaching one says how far the mistake runs on.
  const byLine = new Map<number, { first: YAMLError; atEnd: boolean; endLine: number }>();
  for (const e of errors) {
    const atEnd = e.pos[0] >= contentEnd;
    const opener = atEnd ? unclosedOpener(doc, e.pos[0]) : undefined;
    const line = lineAt(lc, opener ?? Math.min(e.pos[0], contentEnd)) ?? 1;
    const endLine = Math.min(lineAt(lc, e.pos[1]) ?? line, lines);
    const seen = byLine.get(line);
    if (seen) seen.endLine = Math.max(seen.endLine, endLine);
    else byLine.set(line, { first: e, atEnd, endLine });
  }
  return [...byLine].map(([line, { first, atEnd, endLine }]) => {
    const described = describeYamlError(first.code, {
      atEnd,
      endLine: endLine > line ? endLine : undefined,
      firstLine: first.code === 'DUPLICATE_KEY' ? firstOfDuplicate(doc, first.pos[0], lc) : undefined,
    });
    return {
      path: [],
      line: Math.min(line, lines),
      message: `YAML syntax error: ${described.message}`,
      hint: described.hint,
    };
  });
}

/** The number of the last line that has any character (a final newline opens no new line). */
function existingLines(text: string): number {
  return Math.max(1, text.replace(/\s+$/, '').split('\n').length);
}

/**
 * Where the innermost flow collection or quoted string still open at `pos` starts: an unclosed
 * [, { or quote is reported on its own line, not at the end of the file.
 */
function unclosedOpener(doc: Document, pos: number): number | undefined {
  let best: number | undefined;
  visit(doc, (_key, node) => {
    const range = (node as { range?: [number, number, number] }).range;
    if (!range || range[1] < pos) return;
    const open =
      (isCollection(node) && node.flow) ||
      (isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE'));
    if (open && (best === undefined || range[0] > best)) best = range[0];
  });
  return best;
}

/** The line of the first occurrence of the key that a DUPLICATE_KEY error at `pos` repeats. */
function firstOfDuplicate(doc: Document, pos: number, lc: LineCounter): number | undefined {
  let line: number | undefined;
  visit(doc, {
    Map(_key, map) {
      const dup = map.items.find((p) => rangeStart(p.key) === pos);
      if (!dup) return;
      const name = keyText(dup.key);
      const first = map.items.find((p) => p !== dup && keyText(p.key) === name);
      line = lineAt(lc, rangeStart(first?.key));
    },
  });
  return line;
}

/** An alias (*name) with no &name anchor before it; one pass, as yaml's own lookup per alias is quadratic. */
function unresolvedAlias(doc: Document, lc: LineCounter): SpecProblem | undefined {
  const anchors = new Set<string>();
  let problem: SpecProblem | undefined;
  visit(doc, (_key, node) => {
    if (problem) return visit.BREAK;
    if (isAlias(node)) {
      if (anchors.has(node.source)) return undefined;
      problem = {
        path: [],
        line: lineAt(lc, node.range?.[0]),
        message: `the alias *${node.source} refers to no &${node.source} anchor above it`,
        hint: `define &${node.source} on a value before this line, or write the value out`,
      };
      return visit.BREAK;
    }
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor) anchors.add(anchor);
    return undefined;
  });
  return problem;
}

function firstAlias(doc: Document): Alias | undefined {
  let first: Alias | undefined;
  visit(doc, {
    Alias(_key, alias) {
      first ??= alias;
    },
  });
  return first;
}

function notAMapping(contents: unknown, lc: LineCounter): SpecProblem {
  const line = lineAt(lc, rangeStart(contents)) ?? 1;
  if (isSeq(contents)) {
    return {
      path: [],
      line,
      message: 'the file is a list ("- item"), but a spec is a mapping of keys such as name: and nodes:',
      hint: 'remove the leading "- " so the keys start in the first column, e.g. `name: garden`',
    };
  }
  const value = isScalar(contents) ? contents.value : undefined;
  if (typeof value === 'string' && /^[A-Za-z]\w*:\S/.test(value)) {
    return {
      path: [],
      line,
      message: `the file is one line of text ("${value.slice(0, 40)}"), because a colon is not followed by a space`,
      hint: "put a space after each key's colon: `name: garden`, not `name:garden`",
    };
  }
  return {
    path: [],
    line,
    message: `the file holds a single value (${JSON.stringify(value)}) instead of a mapping of keys`,
    hint: 'write key: value lines, for example `name: garden`',
  };
}

function walk(doc: Document, path: SpecPath): { offset: number | undefined; depth: number } {
  let node: unknown = doc.contents;
  let offset: number | undefined = rangeStart(node);
  let depth = 0;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => keyText(it.key) === String(key));
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

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? range[0] : undefined;
}

function lineAt(lc: LineCounter, offset: number | undefined): number | undefined {
  return offset === undefined ? undefined : lc.linePos(offset).line;
}
