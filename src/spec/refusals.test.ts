// Specs that look plausible but would break the platform: each is refused with its code, path, the user's line and a hint.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSpec, SpecError, type LoadOptions, type SpecOverrides } from './load.js';
import { renderEffectiveSpec, specJsonSchema } from './present.js';
import type { SpecPath } from './rules.js';

function options(extra: Partial<LoadOptions> = {}): LoadOptions {
  return { source: 'gardenos.yaml', defaultStateDir: (name) => `/var/lib/gardenos/${name}`, fromFile: true, ...extra };
}

interface Refusal {
  name: string;
  yaml: string;
  path: SpecPath;
  /** The line the user wrote; undefined when no line of the file decides the value (a flag). */
  line: number | undefined;
  code?: 'SPEC_INVALID' | 'SPEC_PARSE';
  /** A word the hint must contain, where the fix itself is the point. */
  hintMentions?: string;
  overrides?: SpecOverrides;
}

function refusedWith(c: Refusal): void {
  let caught: unknown;
  try {
    loadSpec(c.yaml, options({ overrides: c.overrides }));
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SpecError, `expected a SpecError for:\n${c.yaml}\ngot ${String(caught)}`);
  assert.equal(caught.code, c.code ?? 'SPEC_INVALID');
  assert.equal(caught.exitCode, 2);
  const lines = c.yaml.replace(/\s+$/, '').split('\n').length;
  for (const p of caught.problems) {
    assert.ok(
      p.line === undefined || (p.line >= 1 && p.line <= lines),
      `line ${p.line} does not exist in a ${lines}-line file`,
    );
    assert.ok(p.hint.length > 0 && p.message.length > 0);
  }
  const hit = caught.problems.find((p) => JSON.stringify(p.path) === JSON.stringify(c.path));
  assert.ok(hit, `no problem at ${JSON.stringify(c.path)}; got ${JSON.stringify(caught.problems)}`);
  assert.equal(hit.line, c.line, `line of ${JSON.stringify(c.path)}`);
  if (c.hintMentions)
    assert.ok(hit.hint.includes(c.hintMentions), `hint "${hit.hint}" should mention ${c.hintMentions}`);
}

function accepted(yaml: string): void {
  assert.doesNotThrow(() => loadSpec(yaml, options()), `should load:\n${yaml}`);
}

const params = (lines: string) => `postgres:\n  parameters:\n${lines}`;
const P = (key: string): SpecPath => ['postgres', 'parameters', key];

const classes: Record<string, { refused: Refusal[]; accepted?: string[] }> = {
  'Patroni-managed and replication settings (any case)': {
    refused: [
      { name: 'wal_level minimal', yaml: params('    wal_level: minimal\n'), path: P('wal_level'), line: 3 },
      {
        name: 'WAL_LEVEL in capitals',
        yaml: params('    work_mem: 4MB\n    WAL_LEVEL: minimal\n'),
        path: P('WAL_LEVEL'),
        line: 4,
      },
      {
        name: 'max_wal_senders below replicas + 2',
        yaml: params('    max_wal_senders: 2\n'),
        path: P('max_wal_senders'),
        line: 3,
        hintMentions: '4',
      },
      {
        name: 'max_wal_senders as a low string',
        yaml: params('    max_wal_senders: "3"\n'),
        path: P('max_wal_senders'),
        line: 3,
      },
      {
        name: 'max_replication_slots below the replicas',
        yaml: `nodes: 5\n${params('    max_replication_slots: 2\n')}`,
        path: P('max_replication_slots'),
        line: 4,
        hintMentions: '4',
      },
      {
        name: 'max_replication_slots not a number',
        yaml: params('    max_replication_slots: many\n'),
        path: P('max_replication_slots'),
        line: 3,
      },
      { name: 'wal_log_hints off', yaml: params('    wal_log_hints: "off"\n'), path: P('wal_log_hints'), line: 3 },
      { name: 'wal_log_hints false', yaml: params('    wal_log_hints: false\n'), path: P('wal_log_hints'), line: 3 },
      { name: 'Hot_Standby in mixed case', yaml: params('    Hot_Standby: "off"\n'), path: P('Hot_Standby'), line: 3 },
      {
        name: 'unix_socket_directories',
        yaml: params('    unix_socket_directories: /tmp\n'),
        path: P('unix_socket_directories'),
        line: 3,
      },
      { name: 'listen_addresses', yaml: params('    listen_addresses: "*"\n'), path: P('listen_addresses'), line: 3 },
      {
        name: 'a recovery target',
        yaml: params('    recovery_target_time: "2026-01-01 00:00:00"\n'),
        path: P('recovery_target_time'),
        line: 3,
      },
      {
        name: 'synchronous_commit off under the synchronous-mode default',
        yaml: params('    synchronous_commit: "off"\n'),
        path: P('synchronous_commit'),
        line: 3,
        hintMentions: 'synchronousMode',
      },
      {
        name: 'synchronous_commit local',
        yaml: params('    synchronous_commit: local\n'),
        path: P('synchronous_commit'),
        line: 3,
      },
      {
        name: 'a removed parameter',
        yaml: params('    wal_keep_segments: 64\n'),
        path: P('wal_keep_segments'),
        line: 3,
        hintMentions: 'wal_keep_size',
      },
      {
        name: 'one setting twice in different case',
        yaml: params('    work_mem: 4MB\n    WORK_MEM: 8MB\n'),
        path: P('WORK_MEM'),
        line: 4,
      },
      {
        name: 'a legit setting in capitals',
        yaml: params('    Max_Connections: 200\n'),
        path: P('Max_Connections'),
        line: 3,
        hintMentions: 'max_connections',
      },
    ],
    accepted: [
      params('    max_connections: 500\n    work_mem: 64MB\n    shared_buffers: 1GB\n'),
      params(
        '    wal_level: logical\n    max_wal_senders: 20\n    max_replication_slots: 20\n    wal_log_hints: "on"\n',
      ),
      params('    synchronous_commit: remote_apply\n    pg_stat_statements.max: 5000\n'),
      `postgres:\n  synchronousMode: false\n  parameters:\n    synchronous_commit: "off"\n`,
    ],
  },
  'password_encryption other than scram-sha-256': {
    refused: [
      { name: 'md5', yaml: params('    password_encryption: md5\n'), path: P('password_encryption'), line: 3 },
      {
        name: 'MD5 in capitals',
        yaml: params('    password_encryption: MD5\n'),
        path: P('password_encryption'),
        line: 3,
      },
      {
        name: 'the old "on" spelling',
        yaml: params('    password_encryption: "on"\n'),
        path: P('password_encryption'),
        line: 3,
      },
      {
        name: 'the key in capitals',
        yaml: params('    PASSWORD_ENCRYPTION: md5\n'),
        path: P('PASSWORD_ENCRYPTION'),
        line: 3,
      },
    ],
    accepted: [params('    password_encryption: scram-sha-256\n')],
  },
  'archiving that would replace pgBackRest': {
    refused: [
      {
        name: 'archive_command',
        yaml: params('    archive_command: "cp %p /mnt/wal/%f"\n'),
        path: P('archive_command'),
        line: 3,
        hintMentions: 'backup.enabled',
      },
      {
        name: 'archive_mode',
        yaml: params('    archive_mode: "on"\n'),
        path: P('archive_mode'),
        line: 3,
        hintMentions: 'backup.enabled',
      },
      {
        name: 'archive_library in capitals',
        yaml: params('    ARCHIVE_LIBRARY: basic_archive\n'),
        path: P('ARCHIVE_LIBRARY'),
        line: 3,
        hintMentions: 'backup.enabled',
      },
      {
        name: 'restore_command',
        yaml: params('    restore_command: "cp /mnt/wal/%f %p"\n'),
        path: P('restore_command'),
        line: 3,
        hintMentions: 'backup.enabled',
      },
      {
        name: 'archive_cleanup_command with backups on',
        yaml: `backup: { enabled: true }\n${params('    archive_cleanup_command: "true"\n')}`,
        path: P('archive_cleanup_command'),
        line: 4,
      },
    ],
    accepted: [`backup: { enabled: true }\n${params('    archive_timeout: 300\n')}`],
  },
  'a superuser name that is already taken': {
    refused: [
      {
        name: 'the replication role',
        yaml: 'postgres:\n  superuser: replicator\n',
        path: ['postgres', 'superuser'],
        line: 2,
      },
      {
        name: 'the pg_rewind role',
        yaml: 'postgres:\n  superuser: rewind_user\n',
        path: ['postgres', 'superuser'],
        line: 2,
      },
      {
        name: 'the REST API user',
        yaml: 'name: g\npostgres:\n  superuser: gardenos\n',
        path: ['postgres', 'superuser'],
        line: 3,
      },
      { name: 'a pg_ name', yaml: 'postgres:\n  superuser: pg_monitor\n', path: ['postgres', 'superuser'], line: 2 },
      { name: 'public', yaml: 'postgres:\n  superuser: public\n', path: ['postgres', 'superuser'], line: 2 },
      {
        name: 'a Supabase role with Supabase on',
        yaml: 'supabase: { enabled: true }\npostgres:\n  superuser: authenticator\n',
        path: ['postgres', 'superuser'],
        line: 3,
      },
      {
        name: 'service_role with Supabase on',
        yaml: 'supabase: { enabled: true }\npostgres:\n  superuser: service_role\n',
        path: ['postgres', 'superuser'],
        line: 3,
      },
    ],
    accepted: ['postgres:\n  superuser: db_admin\n', 'postgres:\n  superuser: anon\n'],
  },
  'etcd endpoints with an impossible port or host': {
    refused: [
      { name: 'port 0', yaml: 'k8s:\n  etcdEndpoints: ["etcd1:0"]\n', path: ['k8s', 'etcdEndpoints', 0], line: 2 },
      {
        name: 'port 65536',
        yaml: 'k8s:\n  etcdEndpoints:\n    - etcd1:2379\n    - etcd2:65536\n',
        path: ['k8s', 'etcdEndpoints', 1],
        line: 4,
      },
      {
        name: 'a non-numeric port',
        yaml: 'k8s:\n  etcdEndpoints: [etcd1:client]\n',
        path: ['k8s', 'etcdEndpoints', 0],
        line: 2,
      },
      {
        name: 'an empty port',
        yaml: 'k8s:\n  etcdEndpoints: ["etcd1:"]\n',
        path: ['k8s', 'etcdEndpoints', 0],
        line: 2,
      },
      {
        name: 'an empty label',
        yaml: 'k8s:\n  etcdEndpoints: [etcd..internal:2379]\n',
        path: ['k8s', 'etcdEndpoints', 0],
        line: 2,
      },
      {
        name: 'a leading dot',
        yaml: 'k8s:\n  etcdEndpoints: [.etcd:2379]\n',
        path: ['k8s', 'etcdEndpoints', 0],
        line: 2,
      },
      {
        name: 'a trailing dot',
        yaml: 'k8s:\n  etcdEndpoints: [etcd.:2379]\n',
        path: ['k8s', 'etcdEndpoints', 0],
        line: 2,
      },
      {
        name: 'a label over 63 characters',
        yaml: `k8s:\n  etcdEndpoints: [${'e'.repeat(64)}.internal:2379]\n`,
        path: ['k8s', 'etcdEndpoints', 0],
        line: 2,
      },
      {
        name: 'a URL instead of host:port',
        yaml: 'k8s:\n  etcdEndpoints: ["http://etcd1:2379"]\n',
        path: ['k8s', 'etcdEndpoints', 0],
        line: 2,
        hintMentions: 'etcd1:2379',
      },
      {
        name: 'a bad IPv4 address',
        yaml: 'k8s:\n  etcdEndpoints: [10.0.0:2379]\n',
        path: ['k8s', 'etcdEndpoints', 0],
        line: 2,
      },
    ],
    accepted: [
      `k8s:\n  etcdEndpoints: [etcd-1.internal:2379, 10.0.0.5:2379, "[fd00::1]:2379", ${'e'.repeat(63)}:2379]\n`,
    ],
  },
  'routing hosts with an empty or too long label': {
    refused: [
      { name: 'two dots', yaml: 'routing:\n  host: app..example.com\n', path: ['routing', 'host'], line: 2 },
      {
        name: 'a 64-character label',
        yaml: `routing:\n  host: ${'a'.repeat(64)}.example.com\n`,
        path: ['routing', 'host'],
        line: 2,
      },
      { name: 'a leading dot', yaml: 'routing:\n  host: .example.com\n', path: ['routing', 'host'], line: 2 },
      { name: 'a trailing dot', yaml: 'routing:\n  host: example.com.\n', path: ['routing', 'host'], line: 2 },
      { name: 'empty', yaml: 'routing:\n  host: ""\n', path: ['routing', 'host'], line: 2 },
      {
        name: 'capitals',
        yaml: 'routing:\n  host: App.Example.com\n',
        path: ['routing', 'host'],
        line: 2,
        hintMentions: 'app.example.com',
      },
      {
        name: 'a label ending in a dash',
        yaml: 'routing:\n  host: app-.example.com\n',
        path: ['routing', 'host'],
        line: 2,
      },
    ],
    accepted: [`routing:\n  host: ${'a'.repeat(63)}.example.com\n`],
  },
  'URLs without a scheme': {
    refused: [
      {
        name: 'siteUrl host:port',
        yaml: 'supabase:\n  siteUrl: localhost:3000\n',
        path: ['supabase', 'siteUrl'],
        line: 2,
        hintMentions: 'http://localhost:3000',
      },
      {
        name: 'apiExternalUrl bare host',
        yaml: 'supabase:\n  enabled: true\n  apiExternalUrl: api.example.com\n',
        path: ['supabase', 'apiExternalUrl'],
        line: 3,
        hintMentions: 'https://api.example.com',
      },
      {
        name: 'a scheme with one slash',
        yaml: 'supabase:\n  siteUrl: "https:/app.example.com"\n',
        path: ['supabase', 'siteUrl'],
        line: 2,
      },
      {
        name: 'an ftp URL',
        yaml: 'supabase:\n  siteUrl: ftp://files.example.com\n',
        path: ['supabase', 'siteUrl'],
        line: 2,
      },
      {
        name: 'an empty label in the host',
        yaml: 'supabase:\n  siteUrl: https://app..example.com\n',
        path: ['supabase', 'siteUrl'],
        line: 2,
      },
    ],
    accepted: ['supabase:\n  siteUrl: https://app.example.com/welcome\n  apiExternalUrl: http://127.0.0.1:8000\n'],
  },
  'a relative backup repository path': {
    refused: [
      {
        name: 'a bare name',
        yaml: 'backup:\n  enabled: true\n  repoPath: repo\n',
        path: ['backup', 'repoPath'],
        line: 3,
      },
      { name: './', yaml: 'backup:\n  repoPath: ./backups\n', path: ['backup', 'repoPath'], line: 2 },
      { name: '~ (not expanded)', yaml: 'backup:\n  repoPath: ~/backups\n', path: ['backup', 'repoPath'], line: 2 },
    ],
    accepted: ['backup:\n  enabled: true\n  repoPath: /srv/backup/repo\n'],
  },
  'problems on keys the user did not write': {
    refused: [
      {
        name: 'an invalid --base-port has no line in the file',
        yaml: 'name: g\n',
        path: ['local', 'basePort'],
        line: undefined,
        overrides: { basePort: 80 },
      },
      {
        name: '--base-port too high, though the file sets basePort',
        yaml: 'local:\n  basePort: 16000\n',
        path: ['local', 'basePort'],
        line: undefined,
        overrides: { basePort: 65500 },
      },
      {
        name: 'HTTP port equal to the default HTTPS port points at the written one',
        yaml: 'name: g\nrouting:\n  httpPort: 8443\n',
        path: ['routing', 'httpPort'],
        line: 3,
      },
      {
        name: 'an explicit etcd port colliding with a derived node port',
        yaml: 'nodes: 3\netcd:\n  members:\n    - name: e1\n      clientPort: 15430\n',
        path: ['etcd', 'members', 0, 'clientPort'],
        line: 5,
      },
      {
        name: 'a service port colliding with the derived router port',
        yaml: 'local:\n  basePort: 20000\nservices:\n  - { name: api, command: [x], port: 20003 }\n',
        path: ['services', 0, 'port'],
        line: 4,
      },
      { name: 'a section left empty', yaml: 'name: g\npostgres:\n  # ttl: 30\n', path: ['postgres'], line: 2 },
      {
        name: 'a missing required key points at its list item',
        yaml: 'services:\n  - image: a/b:1\n    port: 8080\n',
        path: ['services', 0, 'name'],
        line: 2,
      },
    ],
  },
};

for (const [what, { refused, accepted: fine }] of Object.entries(classes)) {
  describe(`refused: ${what}`, () => {
    for (const c of refused) test(c.name, () => refusedWith(c));
    for (const [i, yaml] of (fine ?? []).entries()) test(`still accepted (${i + 1})`, () => accepted(yaml));
  });
}

describe('synchronousMode defaults to true with 2 or more nodes', () => {
  const load = (yaml: string) => loadSpec(yaml, options({ fromFile: false }));

  test('2+ nodes: on and non-strict; 1 node: off; an explicit value wins', () => {
    assert.deepEqual([load('').postgres.synchronousMode, load('').postgres.synchronousModeStrict], [true, false]);
    assert.equal(load('nodes: 2\n').postgres.synchronousMode, true);
    assert.equal(load('nodes: [{ name: a }, { name: b }]\n').postgres.synchronousMode, true);
    assert.equal(load('nodes: 1\n').postgres.synchronousMode, false);
    assert.equal(load('postgres:\n  synchronousMode: false\n').postgres.synchronousMode, false);
    assert.equal(
      load('nodes: 2\npostgres:\n  synchronousMode: true\n  synchronousModeStrict: true\n').postgres
        .synchronousModeStrict,
      true,
    );
  });

  test('explicitly on with one node is still refused', () => {
    refusedWith({
      name: '',
      yaml: 'nodes: 1\npostgres:\n  synchronousMode: true\n',
      path: ['postgres', 'synchronousMode'],
      line: 3,
    });
  });

  test('spec print says when the default decided it, and not when the file did', () => {
    const line = (text: string) =>
      renderEffectiveSpec(load(text), { source: 'gardenos.yaml', text })
        .split('\n')
        .find((l) => l.trim().startsWith('synchronousMode:')) ?? '';
    assert.match(
      line(''),
      /synchronousMode: true +# default for 2\+ nodes: .*non-strict, so a lone survivor still takes writes/,
    );
    assert.match(line('nodes: 1\n'), /synchronousMode: false +# default for 1 node/);
    assert.equal(line('postgres:\n  synchronousMode: true\n'), '  synchronousMode: true');
  });

  test('spec print masks secrets and starts with its source', () => {
    const text = renderEffectiveSpec(load(''), { source: 'built-in defaults', text: '' });
    assert.ok(text.startsWith('# effective spec from built-in defaults\n'));
  });

  test('the JSON Schema describes the default', () => {
    const pg = (
      specJsonSchema().properties as Record<
        string,
        { properties: Record<string, { description?: string; default?: unknown }> }
      >
    ).postgres!;
    const prop = pg.properties.synchronousMode!;
    assert.equal(prop.default, undefined, 'no fixed default: it depends on the node count');
    assert.match(prop.description ?? '', /2 or more nodes/);
  });
});
