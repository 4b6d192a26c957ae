import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GardenError } from '../errors.js';
import { loadSpec } from '../spec/index.js';
import { dashboardWebUser, localRunAs } from './run-as.js';

const dir = mkdtempSync(join(tmpdir(), 'gardenos-runas-'));
const POSTGRES = 'postgres:x:105:111:PostgreSQL administrator:/var/lib/postgresql:/bin/bash';
const passwd = (lines: string[]) => {
  const file = join(dir, `passwd-${lines.length}-${Math.random()}`);
  writeFileSync(file, ['root:x:0:0:root:/root:/bin/bash', POSTGRES, ...lines].join('\n') + '\n');
  return file;
};
const spec = (serviceUser?: string) =>
  loadSpec(serviceUser ? `local: { serviceUser: ${serviceUser} }\n` : '', {
    source: 't',
    defaultStateDir: (n) => `/srv/${n}`,
  });

// Whoever runs the tests (root in CI), both cases run: who gardenos is and the passwd file are given.
test('as an ordinary user every component runs as that user', () => {
  assert.equal(localRunAs(spec(), passwd([]), false), undefined);
});

const INFRA = 'gardenos:x:999:995::/nonexistent:/usr/sbin/nologin';
const APP = 'gardenos-app:x:995:994::/nonexistent:/usr/sbin/nologin';

test('as root: postgres, gardenos, gardenos-app and gardenos-dashboard, each found in the passwd file', () => {
  const file = passwd([INFRA, APP, 'gardenos-dashboard:x:994:993::/nonexistent:/usr/sbin/nologin']);
  const runAs = localRunAs(spec(), file, true)!;
  assert.deepEqual(runAs.infra, { name: 'gardenos', uid: 999, gid: 995 });
  assert.deepEqual(runAs.service, { name: 'gardenos-app', uid: 995, gid: 994 });
  assert.deepEqual(runAs.postgres, { name: 'postgres', uid: 105, gid: 111 });
  assert.deepEqual(runAs.dashboard, { name: 'gardenos-dashboard', uid: 994, gid: 993 });
  assert.deepEqual(dashboardWebUser(file, true), runAs.dashboard);
  assert.equal(dashboardWebUser(file, false), undefined, 'not root: the dashboard serves as whoever runs it');
});

test("as root: the dashboard's user is needed only with monitoring on, and must be a user of its own", () => {
  const without = passwd([INFRA, APP]);
  const off = loadSpec('monitoring: { enabled: false }\n', { source: 't', defaultStateDir: (n) => `/srv/${n}` });
  assert.equal(localRunAs(off, without, true)!.dashboard, undefined);
  assert.throws(
    () => localRunAs(spec(), without, true),
    (err: GardenError) =>
      err.code === 'NOT_ROOT' && /gardenos-dashboard/.test(err.message) && /gardenos setup/.test(err.hint ?? ''),
  );
  for (const line of ['gardenos-dashboard:x:999:995::/x:/bin/false', 'gardenos-dashboard:x:0:0::/x:/bin/false']) {
    assert.throws(
      () => localRunAs(spec(), passwd([INFRA, APP, line]), true),
      (err: GardenError) => err.code === 'NOT_ROOT' && /uid/.test(err.message),
      line,
    );
  }
});

test('as root: a missing user is a user error naming setup and useradd', () => {
  const file = passwd(['gardenos:x:999:995::/nonexistent:/usr/sbin/nologin']);
  assert.throws(
    () => localRunAs(spec(), file, true),
    (err: GardenError) =>
      err.code === 'NOT_ROOT' &&
      /gardenos-app/.test(err.message) &&
      /gardenos setup/.test(err.hint ?? '') &&
      /useradd --system/.test(err.hint ?? ''),
  );
});

test('as root: a service user with uid 0, or the infrastructure user, is refused', () => {
  const file = passwd(['gardenos:x:999:995::/nonexistent:/usr/sbin/nologin', 'toor:x:0:0::/root:/bin/sh']);
  assert.throws(
    () => localRunAs(spec('toor'), file, true),
    (err: GardenError) => err.code === 'SPEC_INVALID' && /uid 0/.test(err.message),
  );
  assert.throws(
    () => localRunAs(spec('gardenos'), file, true),
    (err: GardenError) => err.code === 'SPEC_INVALID' && /keys/.test(err.message),
  );
});

test('local.serviceUser root is refused by the schema', () => {
  assert.throws(() => spec('root'), /must not be root/);
});
