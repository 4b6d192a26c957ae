// The yaml library's parse error codes in words an operator acts on; chosen by code, never by message text.
import type { ErrorCode } from 'yaml';

export interface YamlErrorContext {
  /** The error sits at the end of the file: something opened earlier is never closed. */
  atEnd: boolean;
  /** The last line the mistake spans, when it runs past the line it is reported on. */
  endLine?: number;
  /** For a duplicate key: the line of its first occurrence. */
  firstLine?: number;
}

export interface YamlErrorWords {
  message: string;
  hint: string;
}

const INDENT_HINT =
  'indent with spaces only, the same number for keys of one mapping (2 is usual), nested keys further in than their parent';

export function describeYamlError(code: ErrorCode, ctx: YamlErrorContext): YamlErrorWords {
  const runsOn = ctx.endLine !== undefined ? ` (it runs on to line ${ctx.endLine})` : '';
  switch (code) {
    case 'BAD_INDENT':
      return ctx.atEnd
        ? {
            message: 'a [ list or { mapping opened here is never closed',
            hint: 'add the closing ] or }, or write the items on their own lines without brackets',
          }
        : {
            message: 'the indentation does not line up: this key is not in the same column as the keys beside it',
            hint: INDENT_HINT,
          };
    case 'TAB_AS_INDENT':
      return {
        message: 'a tab is used for indentation; YAML allows only spaces there',
        hint: 'replace the tab with spaces (2 per level is usual)',
      };
    case 'DUPLICATE_KEY':
      return {
        message: `this key is written twice in the same mapping${ctx.firstLine !== undefined ? ` (first at line ${ctx.firstLine})` : ''}`,
        hint: 'keep one of the two; YAML would not say which one wins',
      };
    case 'MULTILINE_IMPLICIT_KEY':
    case 'BLOCK_AS_IMPLICIT_KEY':
      return {
        message: `this line is not read as key: value${runsOn}: a colon or the space after it is missing, or the next line is indented under a key that already has a value`,
        hint: 'write `key: value` with a space after the colon, line sibling keys up in one column, and quote text that contains ": "',
      };
    case 'MISSING_CHAR':
      return ctx.atEnd
        ? { message: 'a quote, [ or { opened here is never closed', hint: 'add the closing quote, ] or } on this line' }
        : {
            message:
              'a character is missing here: a key without its ":" or a value without its closing quote or bracket',
            hint: 'write `key: value`, and close every quote and bracket on the line it opens',
          };
    case 'UNEXPECTED_TOKEN':
      return {
        message: 'unexpected text here, such as a "- " list item inside a mapping or a stray character',
        hint: 'put list items under a key of their own (`nodes:` then `  - name: pg1`), and remove stray characters',
      };
    case 'BAD_DQ_ESCAPE':
      return {
        message: 'a "double-quoted" value holds a backslash escape YAML does not know',
        hint: 'use single quotes for text with backslashes, or write \\\\ for one backslash',
      };
    case 'BAD_SCALAR_START':
      return {
        message: 'a value starts with a character YAML reserves (such as `, @ or %)',
        hint: 'put the value in quotes',
      };
    case 'BLOCK_IN_FLOW':
      return {
        message: 'a "- item" or "key: value" line is inside [ ] or { }',
        hint: 'either write the items inside the brackets separated by commas, or drop the brackets and put each item on its own line',
      };
    case 'MULTIPLE_DOCS':
      return {
        message: 'the file holds more than one YAML document (a --- line in the middle)',
        hint: 'keep one spec per file: remove the --- line and merge or drop what follows',
      };
    case 'MULTIPLE_ANCHORS':
    case 'MULTIPLE_TAGS':
    case 'BAD_PROP_ORDER':
    case 'ALIAS_PROPS':
    case 'BAD_ALIAS':
      return {
        message: 'an &anchor, *alias or !tag is written wrongly (two on one value, or an alias with an anchor)',
        hint: 'give a value at most one &name, refer to it as *name, and put nothing else on an alias',
      };
    case 'KEY_OVER_1024_CHARS':
      return {
        message: 'a key is longer than 1024 characters',
        hint: 'shorten the key; very long text usually means a missing line break or colon',
      };
    case 'NON_STRING_KEY':
      return { message: 'a key is a list or mapping, not a name', hint: 'keys are plain names such as postgres:' };
    case 'BAD_DIRECTIVE':
      return { message: 'a % directive line that gardenos does not read', hint: 'remove the line starting with %' };
    case 'TAG_RESOLVE_FAILED':
    case 'BAD_COLLECTION_TYPE':
      return { message: 'a !tag that does not fit this value', hint: 'remove the !tag; gardenos.yaml needs no tags' };
    case 'RESOURCE_EXHAUSTION':
      return {
        message: 'the file nests deeper or expands further than any spec does (brackets or aliases many levels deep)',
        hint: 'a spec is a few levels deep: remove the nesting, and write values out instead of aliases of aliases',
      };
    case 'IMPOSSIBLE':
    default:
      return {
        message: 'the YAML cannot be read from here on',
        hint: 'check the indentation, colons and quotes on this line and the one above',
      };
  }
}
