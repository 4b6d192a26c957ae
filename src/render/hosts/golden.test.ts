// Golden files of the hosts target: one per file kind, for host s1 of the three-host journal spec
// with throwaway certificates and secrets. Update with UPDATE_GOLDEN=1.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureInput, hostOf, hostsSpec, THREE_HOSTS_YAML } from './fixtures.js';
import { renderHost } from './bundle.js';
import { renderHostSummary } from './summary.js';

const GOLDEN = new URL('./__golden__/', import.meta.url).pathname;
const update = process.env.UPDATE_GOLDEN === '1';

/** The TLS files and the launcher are the input copied verbatim; everything else is a golden. */
const VERBATIM = /\.(crt|key|py)$/;

describe('golden files of the hosts target (UPDATE_GOLDEN=1 rewrites them)', () => {
  test('journal/s1', () => {
    const spec = hostsSpec(THREE_HOSTS_YAML);
    const host = hostOf(spec, 's1');
    const bundle = renderHost(spec, host, fixtureInput('s1'));
    const files = new Map(bundle.files.filter((f) => !VERBATIM.test(f.path)).map((f) => [f.path.slice(1).replaceAll('/', '__'), f.content]));
    files.set('services.txt', renderHostSummary(host, bundle, { withSecrets: false }));
    const dir = join(GOLDEN, 'journal-s1');
    if (update) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      for (const [file, text] of files) writeFileSync(join(dir, file), text);
    }
    assert.deepEqual(readdirSync(dir).sort(), [...files.keys()].sort(), `the files in ${dir}`);
    for (const [file, text] of files) {
      assert.equal(text, readFileSync(join(dir, file), 'utf8'), `${file} differs from the golden file; if intended, run UPDATE_GOLDEN=1`);
    }
  });
});
