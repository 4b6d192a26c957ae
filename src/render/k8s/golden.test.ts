// Golden files of the Kubernetes target: test/golden/k8s/<fixture>/*.yaml. Update with UPDATE_GOLDEN=1.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAKE_SECRETS, FULL_YAML, INGRESS_YAML, MINIMAL_YAML, specFrom } from './fixtures.js';
import { renderK8sFiles } from './index.js';

const GOLDEN = new URL('../../../test/golden/k8s/', import.meta.url).pathname;
const update = process.env.UPDATE_GOLDEN === '1';

describe('golden files (UPDATE_GOLDEN=1 rewrites them)', () => {
  for (const [name, yaml] of [['full', FULL_YAML], ['ingress', INGRESS_YAML], ['minimal', MINIMAL_YAML]] as const) {
    test(name, () => {
      const dir = join(GOLDEN, name);
      const files = renderK8sFiles({ spec: specFrom(yaml), secrets: FAKE_SECRETS });
      if (update) {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        for (const [file, text] of files) writeFileSync(join(dir, file), text);
      }
      assert.deepEqual(readdirSync(dir).sort(), [...files.keys()].sort(), `the files in ${dir}`);
      for (const [file, text] of files) {
        assert.equal(text, readFileSync(join(dir, file), 'utf8'), `${name}/${file} differs from the golden file; if intended, run UPDATE_GOLDEN=1`);
      }
    });
  }
});
