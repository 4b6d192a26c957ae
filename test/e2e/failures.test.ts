// User-caused failures end in one clear error, exit 2, nothing started; and a second platform runs side by side.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PlatformStatus } from '../../src/ops/index.js';
import { cli, makeStateParent, query, requireStack, superuserPassword } from './harness.js';

const parent = makeStateParent('failures');

function assertUserError(r: { code: number; stderr: string }, code: string): void {
  assert.equal(r.code, 2, `exit code 2 expected; stderr: ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`error \\[${code}\\]: `));
  assert.match(r.stderr, /\n {2}fix: \S/, 'every error says how to fix it');
}

describe('user-caused failures', { timeout: 300_000 }, () => {
  before(() => requireStack());

  test('an occupied port is found before anything starts', async () => {
    const stateDir = join(parent, 'busy');
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(17101, '127.0.0.1', r));
    try {
      const r = await cli(['up', '--state-dir', stateDir, '--base-port', '17100']);
      assertUserError(r, 'PORT_IN_USE');
      assert.match(r.stderr, /127\.0\.0\.1:17101 \(haproxy\)/);
      assert.match(r.stderr, /--base-port/);
      assert.ok(!existsSync(stateDir), 'no state dir is created');
    } finally {
      server.close();
    }
  });

  test('an invalid spec file names the path and line', async () => {
    const file = join(parent, 'bad.yaml');
    writeFileSync(file, 'name: garden\npostgres:\n  ttl: 20\n  retryTimeout: 10\n');
    const r = await cli(['up', '-f', file, '--state-dir', join(parent, 'bad')]);
    assertUserError(r, 'SPEC_INVALID');
    assert.match(r.stderr, /bad\.yaml:3 postgres\.ttl: Patroni needs loop_wait \+ 2 \* retry_timeout <= ttl/);
    const check = await cli(['spec', 'check', file]);
    assert.equal(check.code, 2);
  });

  test('a missing binary names the package to install', async () => {
    const r = await cli(['up', '--state-dir', join(parent, 'nobin'), '--base-port', '17100'], {
      env: { PATH: '/nonexistent' },
    });
    assertUserError(r, 'BINARY_MISSING');
    assert.match(r.stderr, /apt-get install -y .*etcd-server/);
    assert.ok(!existsSync(join(parent, 'nobin')));
  });

  test('a state dir from another format version is refused', async () => {
    const stateDir = join(parent, 'old');
    mkdirSync(stateDir);
    writeFileSync(join(stateDir, 'state.json'), '{"format": 99, "name": "garden"}');
    const r = await cli(['up', '--state-dir', stateDir, '--base-port', '17100']);
    assertUserError(r, 'STATE_VERSION');
    assert.deepEqual(readdirSync(stateDir), ['state.json'], 'nothing was written');
  });

  test('a non-empty foreign directory is never used as a state dir', async () => {
    const stateDir = join(parent, 'foreign');
    mkdirSync(stateDir);
    writeFileSync(join(stateDir, 'important.txt'), 'keep me');
    const r = await cli(['up', '--state-dir', stateDir, '--base-port', '17100']);
    assertUserError(r, 'STATE_DIR');
    assert.deepEqual(readdirSync(stateDir), ['important.txt']);
  });

  test('a file given as the state dir is refused and kept, not deleted by a rollback', async () => {
    const file = join(parent, 'notes.txt');
    writeFileSync(file, 'keep me');
    const r = await cli(['up', '--state-dir', file, '--base-port', '17100']);
    assertUserError(r, 'STATE_DIR');
    assert.match(r.stderr, /is a file, not a directory/);
    assert.equal(readFileSync(file, 'utf8'), 'keep me');
  });

  test('unknown flags and commands are usage errors', async () => {
    assertUserError(await cli(['up', '--bogus']), 'USAGE');
    assertUserError(await cli(['frobnicate']), 'USAGE');
    assertUserError(await cli(['up', '--base-port', 'abc']), 'USAGE');
  });

  test(
    'as root, a state dir the postgres user cannot enter is refused',
    { skip: process.getuid?.() !== 0 ? 'only meaningful as root' : false },
    async () => {
      const locked = join(parent, 'locked');
      mkdirSync(locked, { mode: 0o700 });
      const r = await cli(['up', '--state-dir', join(locked, 'garden'), '--base-port', '17100']);
      assertUserError(r, 'STATE_DIR');
      assert.match(r.stderr, /cannot enter/);
    },
  );
});

describe('a second platform side by side', { timeout: 300_000 }, () => {
  const stateDir = join(parent, 'small');
  const spec = join(parent, 'small.yaml');
  const flags = ['-f', spec, '--state-dir', stateDir];
  before(() => {
    requireStack();
    writeFileSync(spec, 'name: small\nnodes: 2\netcd:\n  members: 1\nlocal:\n  basePort: 17200\n');
  });
  after(async () => {
    await cli(['down', '--purge', '--yes', ...flags]);
  });

  test('a 2-node platform with one etcd member comes up on its own ports', async () => {
    const r = await cli(['up', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    const st = await cli(['status', '--json', ...flags]);
    const s = JSON.parse(st.stdout) as PlatformStatus;
    assert.equal(st.code, 0, s.problems.join('; '));
    assert.equal(s.postgres.scope, 'small');
    assert.equal(s.postgres.members.length, 2);
    assert.deepEqual(s.endpoints.primary, { host: '127.0.0.1', port: 17200 });
    const rows = await query<{ one: number }>(17200, superuserPassword(stateDir), 'SELECT 1 AS one');
    assert.equal(rows[0]!.one, 1);
  });

  test('a changed spec is refused instead of half-applied', async () => {
    writeFileSync(spec, 'name: small\nnodes: 3\netcd:\n  members: 1\nlocal:\n  basePort: 17200\n');
    const r = await cli(['up', ...flags]);
    assertUserError(r, 'CLUSTER_STATE');
    assert.match(r.stderr, /changed: nodes\[2\]/);
    writeFileSync(spec, 'name: small\nnodes: 2\netcd:\n  members: 1\nlocal:\n  basePort: 17200\n');
  });

  test('down --purge without --yes changes nothing', async () => {
    const r = await cli(['down', '--purge', ...flags]);
    assertUserError(r, 'CONFIRM_REQUIRED');
    const st = await cli(['status', ...flags]);
    assert.equal(st.code, 0);
  });
});
