// Golden files of the Kubernetes target: test/golden/k8s/<fixture>/*.yaml. Update with UPDATE_GOLDEN=1.
import { describe, test } from 'node:test';
import { join } from 'node:path';
import { assertGoldenDir } from '../../../test/support/golden.js';
import { FAKE_ETCD_TLS, FAKE_SECRETS, FULL_YAML, INGRESS_YAML, MINIMAL_YAML, specFrom } from './fixtures.js';
import { renderK8sFiles } from './index.js';

const GOLDEN = new URL('../../../test/golden/k8s/', import.meta.url).pathname;

describe('golden files (UPDATE_GOLDEN=1 rewrites them)', () => {
  for (const [name, yaml] of [
    ['full', FULL_YAML],
    ['ingress', INGRESS_YAML],
    ['minimal', MINIMAL_YAML],
  ] as const) {
    test(name, () => {
      const dir = join(GOLDEN, name);
      const files = renderK8sFiles({ spec: specFrom(yaml), secrets: FAKE_SECRETS, etcdTls: FAKE_ETCD_TLS });
      assertGoldenDir(dir, files, name);
    });
  }
});
