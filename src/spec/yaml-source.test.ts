// Unreadable, empty and hostile YAML: SPEC_PARSE / SPEC_INVALID in operator words, on a line the file has.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ErrorCode } from 'yaml';
import { loadSpec, SpecError } from './load.js';
import { describeYamlError } from './yaml-errors.js';
import { MAX_SPEC_BYTES } from './yaml-source.js';

const fromFile = { source: 'gardenos.yaml', defaultStateDir: (n: string) => `/srv/${n}`, fromFile: true };

/** The yaml library's own words, which an operator cannot act on. */
const LIBRARY_WORDS =
  /parseAllDocuments|toJS|maxAliasCount|YAML\.|at line \d+, column|\b(?!GARDENOS_)[A-Z]{3,}_[A-Z_]+\b/;

function refused(text: string, code: 'SPEC_PARSE' | 'SPEC_INVALID', line: number | undefined): SpecError {
  let caught: unknown;
  try {
    loadSpec(text, fromFile);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SpecError, `expected a SpecError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.equal(caught.exitCode, 2);
  const [first] = caught.problems;
  assert.ok(first);
  assert.deepEqual(first.path, []);
  assert.equal(first.line, line);
  for (const p of caught.problems) {
    assert.doesNotMatch(`${p.message} ${p.hint}`, LIBRARY_WORDS);
    assert.ok(p.hint.length > 10, 'a fix in plain words');
  }
  return caught;
}

describe('YAML syntax errors are translated by code, on the line where the mistake is', () => {
  const cases: [string, string, number][] = [
    ['a tab as indentation', 'postgres:\n\tttl: 30\n', 2],
    ['a key out of line with its siblings', 'postgres:\n  ttl: 30\n superuser: x\n', 3],
    ['a duplicate key', 'name: a\nnodes: 3\nname: b\n', 3],
    ['a line without a colon', 'name: g\nfoo bar\nnodes: 2\n', 2],
    ['a key indented under a key with a value', 'name: g\n  nodes: 3\n', 1],
    ['an unclosed double quote, reported where it opens', 'name: "g\nnodes: 3\n', 1],
    ['an unclosed [ without a final newline', 'name: g\nnodes: [1, 2', 2],
    ['an unclosed [', 'name: g\nnodes: [1\n\n\n', 2],
    ['an unclosed {', 'etcd: {members: 3\n', 1],
    ['two documents', 'name: a\n---\nname: b\n', 2],
    ['an unknown escape in double quotes', 'name: "a\\q"\n', 1],
    ['a value starting with a backtick', 'name: `g`\n', 1],
    ['a block list inside brackets', 'nodes: [\n - a\n]\n', 2],
    ['a list item inside a mapping', 'name: g\n- a\n', 2],
    ['two anchors on one value', 'name: &a &b g\n', 1],
  ];
  for (const [name, text, line] of cases)
    test(name, () => {
      refused(text, 'SPEC_PARSE', line);
    });

  test('a duplicate key names the line of the first one', () => {
    const err = refused('postgres:\n  ttl: 30\n  loopWait: 2\n  ttl: 40\n', 'SPEC_PARSE', 4);
    assert.match(err.problems[0]!.message, /first at line 2/);
  });

  test('one mistake reported three ways by the parser is said once', () => {
    assert.equal(refused('name: g\n- a\n', 'SPEC_PARSE', 2).problems.length, 1);
  });

  test('every yaml error code has its own words', () => {
    const codes: ErrorCode[] = [
      'ALIAS_PROPS',
      'BAD_ALIAS',
      'BAD_DIRECTIVE',
      'BAD_DQ_ESCAPE',
      'BAD_INDENT',
      'BAD_PROP_ORDER',
      'BAD_SCALAR_START',
      'BLOCK_AS_IMPLICIT_KEY',
      'BLOCK_IN_FLOW',
      'DUPLICATE_KEY',
      'KEY_OVER_1024_CHARS',
      'MISSING_CHAR',
      'MULTILINE_IMPLICIT_KEY',
      'MULTIPLE_ANCHORS',
      'MULTIPLE_DOCS',
      'MULTIPLE_TAGS',
      'NON_STRING_KEY',
      'RESOURCE_EXHAUSTION',
      'TAB_AS_INDENT',
      'TAG_RESOLVE_FAILED',
      'UNEXPECTED_TOKEN',
      'BAD_COLLECTION_TYPE',
    ];
    const generic = describeYamlError('IMPOSSIBLE', { atEnd: false }).message;
    for (const code of codes) {
      const words = describeYamlError(code, { atEnd: false });
      assert.notEqual(words.message, generic, code);
      assert.doesNotMatch(`${words.message} ${words.hint}`, LIBRARY_WORDS, code);
    }
  });
});

describe('an empty file is a mistake, not "all defaults"', () => {
  for (const [name, text] of [
    ['nothing', ''],
    ['only comments', '# name: garden\n# nodes: 3\n'],
    ['~', '~\n'],
    ['null', 'null\n'],
    ['blank lines', '\n\n   \n'],
  ]) {
    test(name, () => {
      const err = refused(text!, 'SPEC_INVALID', undefined);
      assert.match(err.problems[0]!.hint, /name: garden/);
      assert.match(err.problems[0]!.hint, /delete the file/);
    });
  }

  test('without a file the same empty text is the built-in defaults', () => {
    assert.equal(loadSpec('', { ...fromFile, fromFile: false }).name, 'garden');
  });

  test('an explicit {} is a deliberate "all defaults"', () => {
    assert.equal(loadSpec('{}\n', fromFile).nodes.length, 3);
  });
});

describe('a top level that is not a mapping', () => {
  test('a list', () => {
    refused('# spec\n- name: garden\n', 'SPEC_INVALID', 2);
  });
  test('a word', () => {
    refused('garden\n', 'SPEC_INVALID', 1);
  });
  test('a number', () => {
    refused('42\n', 'SPEC_INVALID', 1);
  });
  test('keys without a space after the colon', () => {
    const err = refused('name:garden\nnodes:3\n', 'SPEC_INVALID', 1);
    assert.match(err.problems[0]!.hint, /space after/);
  });
});

describe('hostile and oversized files', () => {
  test('a billion-laughs alias bomb is refused, not an internal error', () => {
    const bomb =
      [
        'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
        ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
      ].join('\n') + '\n';
    const err = refused(bomb, 'SPEC_PARSE', 2);
    assert.match(err.problems[0]!.message, /aliases/);
  });

  test('brackets nested thousands deep', () => {
    refused(`name: g\nk8s: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, 'SPEC_PARSE', 2);
  });

  test('an alias to an anchor that does not exist', () => {
    refused('name: g\nk8s:\n  namespace: *ns\n', 'SPEC_PARSE', 3);
  });

  test('a few aliases are fine', () => {
    const spec = loadSpec(
      'postgres:\n  allowedClientCidrs: &nets [10.0.0.0/8]\nk8s:\n  podCidr: 10.42.0.0/16\nservices:\n  - { name: api, image: a/b:1, port: 8080, routes: &r [/api] }\n',
      fromFile,
    );
    assert.deepEqual(spec.postgres.allowedClientCidrs, ['10.0.0.0/8']);
  });

  test('a file over 1 MiB is refused before it is parsed', () => {
    const text = 'name: g\n' + '#'.repeat(MAX_SPEC_BYTES) + '\n';
    const err = refused(text, 'SPEC_PARSE', undefined);
    assert.match(err.problems[0]!.message, /1 MiB/);
  });
});
