// Golden files of the hosts target: one per file kind, for host s1 of the three-host journal spec
// with throwaway certificates and secrets. Update with UPDATE_GOLDEN=1.
import { describe, test } from 'node:test';
import { join } from 'node:path';
import { assertGoldenDir } from '../../../test/support/golden.js';
import { fixtureInput, hostOf, hostsSpec, THREE_HOSTS_YAML } from './fixtures.js';
import { renderHost } from './bundle.js';
import { renderHostSummary } from './summary.js';

const GOLDEN = new URL('./__golden__/', import.meta.url).pathname;

/** The TLS files and the launcher are the input copied verbatim; everything else is a golden. */
const VERBATIM = /\.(crt|key|py)$/;

describe('golden files of the hosts target (UPDATE_GOLDEN=1 rewrites them)', () => {
  test('journal/s1', () => {
    const spec = hostsSpec(THREE_HOSTS_YAML);
    const host = hostOf(spec, 's1');
    const bundle = renderHost(spec, host, fixtureInput('s1'));
    const files = new Map(
      bundle.files.filter((f) => !VERBATIM.test(f.path)).map((f) => [f.path.slice(1).replaceAll('/', '__'), f.content]),
    );
    files.set('services.txt', renderHostSummary(host, bundle, { withSecrets: false }));
    const dir = join(GOLDEN, 'journal-s1');
    assertGoldenDir(dir, files, 'journal-s1');
  });
});
