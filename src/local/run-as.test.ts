import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GardenError } from '../errors.js';
import { isRoot } from '../runtime/index.js';
import { loadSpec } from '../spec/index.js';
import { localRunAs } from './run-as.js';

const dir = mkdtempSync(join(tmpdir(), 'gardenos-runas-'));
const passwd = (lines: string[]) => {
  const file = join(dir, `passwd-${lines.length}-${Math.random()}`);
  writeFileSync(file, ['root:x:0:0:root:/root:/bin/bash', ...lines].join('\n') + '\n');
  return file;
};
const spec = (serviceUser?: string) =>
  loadSpec(serviceUser ? `local: { serviceUser: ${serviceUser} }\n` : '', {
    source: 't',
    defaultStateDir: (n) => `/srv/${n}`,
  });

// These run as root in CI (the platform tests need it); as an ordinary user nothing switches users.
test('as an ordinary user every component runs as that user', { skip: isRoot() }, () => {
  assert.equal(localRunAs(spec()), undefined);
});

test('as root: postgres, gardenos and gardenos-app, each found in the passwd file', { skip: !isRoot() }, () => {
  const file = passwd([
    readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('postgres:'))!,
    'gardenos:x:999:995::/nonexistent:/usr/sbin/nologin',
    'gardenos-app:x:995:994::/nonexistent:/usr/sbin/nologin',
  ]);
  const runAs = localRunAs(spec(), file)!;
  assert.deepEqual(runAs.infra, { name: 'gardenos', uid: 999, gid: 995 });
  assert.deepEqual(runAs.service, { name: 'gardenos-app', uid: 995, gid: 994 });
  assert.equal(runAs.postgres.name, 'postgres');
});

test('as root: a missing user is a user error naming setup and useradd', { skip: !isRoot() }, () => {
  const file = passwd(['gardenos:x:999:995::/nonexistent:/usr/sbin/nologin']);
  assert.throws(
    () => localRunAs(spec(), file),
    (err: GardenError) =>
      err.code === 'NOT_ROOT' &&
      /gardenos-app/.test(err.message) &&
      /gardenos setup/.test(err.hint ?? '') &&
      /useradd --system/.test(err.hint ?? ''),
  );
});

test('as root: a service user with uid 0, or the infrastructure user, is refused', { skip: !isRoot() }, () => {
  const file = passwd(['gardenos:x:999:995::/nonexistent:/usr/sbin/nologin', 'toor:x:0:0::/root:/bin/sh']);
  assert.throws(
    () => localRunAs(spec('toor'), file),
    (err: GardenError) => err.code === 'SPEC_INVALID' && /uid 0/.test(err.message),
  );
  assert.throws(
    () => localRunAs(spec('gardenos'), file),
    (err: GardenError) => err.code === 'SPEC_INVALID' && /keys/.test(err.message),
  );
});

test('local.serviceUser root is refused by the schema', () => {
  assert.throws(() => spec('root'), /must not be root/);
});
