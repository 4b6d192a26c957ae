// Unit tests of spec loading: every invalid spec names the exact path and line; defaults and overrides resolve.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { loadSpec, SpecError, type LoadOptions, type SpecOverrides } from './load.js';
import type { SpecPath, SpecProblem } from './rules.js';
import { editDistance, suggest } from './suggest.js';
import { maskSecrets, specJsonSchema } from './present.js';

function options(overrides?: SpecOverrides): LoadOptions {
  return { source: 'gardenos.yaml', defaultStateDir: (name) => `/var/lib/gardenos/${name}`, overrides };
}

/** Loads text that must be rejected and returns the SpecError's problems. */
function problemsOf(text: string, code: 'SPEC_INVALID' | 'SPEC_PARSE' = 'SPEC_INVALID'): SpecProblem[] {
  let caught: unknown;
  try {
    loadSpec(text, options());
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SpecError, `expected a SpecError for:\n${text}\ngot ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.equal(caught.exitCode, 2);
  assert.equal(caught.source, 'gardenos.yaml');
  assert.ok(caught.hint.length > 0);
  assert.ok(caught.problems.length > 0);
  return caught.problems;
}

interface InvalidCase {
  name: string;
  yaml: string;
  path: SpecPath;
  line: number;
  /** Text the problem's message must contain, for cases where the wording is the point (suggestions). */
  mentions?: string;
  code?: 'SPEC_INVALID' | 'SPEC_PARSE';
}

const invalid: InvalidCase[] = [
  {
    name: 'unknown top-level key suggests the close one',
    yaml: 'name: g\nnmae: x\n',
    path: ['nmae'],
    line: 2,
    mentions: '"name"',
  },
  {
    name: 'unknown top-level key suggests postgres',
    yaml: 'postgress:\n  ttl: 30\n',
    path: ['postgress'],
    line: 1,
    mentions: '"postgres"',
  },
  {
    name: 'unknown nested key',
    yaml: 'postgres:\n  version: 15\n  ttll: 30\n',
    path: ['postgres', 'ttll'],
    line: 3,
    mentions: '"ttl"',
  },
  {
    name: 'unknown key inside a node list item',
    yaml: 'nodes:\n  - name: a\n  - name: b\n    pgport: 16000\n',
    path: ['nodes', 1, 'pgport'],
    line: 4,
    mentions: '"pgPort"',
  },
  {
    name: 'missing name in a node list item',
    yaml: 'nodes:\n  - name: a\n  - pgPort: 16000\n',
    path: ['nodes', 1, 'name'],
    line: 3,
  },
  { name: 'nodes of the wrong type', yaml: 'nodes: three\n', path: ['nodes'], line: 1 },
  { name: 'ttl as a string', yaml: 'postgres:\n  ttl: "30"\n', path: ['postgres', 'ttl'], line: 2 },
  { name: 'ttl not a whole number', yaml: 'postgres:\n  ttl: 30.5\n', path: ['postgres', 'ttl'], line: 2 },
  {
    name: 'synchronousMode not a boolean',
    yaml: 'postgres:\n  synchronousMode: sometimes\n',
    path: ['postgres', 'synchronousMode'],
    line: 2,
  },
  { name: 'top level is a list', yaml: '- a\n- b\n', path: [], line: 1 },
  { name: 'port below 1024', yaml: 'haproxy:\n  primaryPort: 80\n', path: ['haproxy', 'primaryPort'], line: 2 },
  { name: 'port above 65535', yaml: 'haproxy:\n  statsPort: 70000\n', path: ['haproxy', 'statsPort'], line: 2 },
  {
    name: 'etcd member port out of range',
    yaml: 'etcd:\n  members:\n    - name: e1\n      clientPort: 22\n',
    path: ['etcd', 'members', 0, 'clientPort'],
    line: 4,
  },
  { name: 'node count of zero', yaml: 'nodes: 0\n', path: ['nodes'], line: 1 },
  { name: 'duplicate node names', yaml: 'nodes:\n  - name: a\n  - name: a\n', path: ['nodes', 1, 'name'], line: 3 },
  {
    name: 'duplicate etcd member names',
    yaml: 'etcd:\n  members:\n    - name: e1\n    - name: e1\n    - name: e3\n',
    path: ['etcd', 'members', 1, 'name'],
    line: 4,
  },
  { name: 'even etcd member count', yaml: 'name: g\netcd:\n  members: 2\n', path: ['etcd', 'members'], line: 3 },
  {
    name: 'haproxy primary port equals a derived node pgPort',
    yaml: 'haproxy:\n  primaryPort: 15430\n',
    path: ['haproxy', 'primaryPort'],
    line: 2,
    mentions: 'PostgreSQL pg1',
  },
  {
    name: 'two explicit node ports collide',
    yaml: 'nodes:\n  - name: a\n    pgPort: 16000\n  - name: b\n    pgPort: 16000\n',
    path: ['nodes', 1, 'pgPort'],
    line: 5,
  },
  {
    name: 'explicit apiPort collides with a derived etcd port',
    yaml: 'nodes:\n  - name: a\n    apiPort: 15410\n',
    path: ['nodes', 0, 'apiPort'],
    line: 3,
  },
  {
    name: 'basePort too high for the 50-port span',
    yaml: 'local:\n  basePort: 65500\n',
    path: ['local', 'basePort'],
    line: 2,
  },
  {
    name: 'loop_wait + 2*retry_timeout > ttl',
    yaml: 'postgres:\n  ttl: 20\n  loopWait: 10\n  retryTimeout: 6\n',
    path: ['postgres', 'ttl'],
    line: 2,
  },
  { name: 'ttl below 20', yaml: 'postgres:\n  ttl: 10\n', path: ['postgres', 'ttl'], line: 2 },
  {
    name: 'synchronousMode with one node',
    yaml: 'nodes: 1\npostgres:\n  synchronousMode: true\n',
    path: ['postgres', 'synchronousMode'],
    line: 3,
  },
  {
    name: 'synchronousModeStrict with synchronousMode off',
    yaml: 'postgres:\n  synchronousMode: false\n  synchronousModeStrict: true\n',
    path: ['postgres', 'synchronousModeStrict'],
    line: 3,
  },
  {
    name: 'synchronousModeStrict on one node (synchronousMode defaults to off)',
    yaml: 'nodes: 1\npostgres:\n  synchronousModeStrict: true\n',
    path: ['postgres', 'synchronousModeStrict'],
    line: 3,
  },
  {
    name: 'every node nofailover',
    yaml: 'name: g\nnodes:\n  - name: a\n    nofailover: true\n  - name: b\n    nofailover: true\n',
    path: ['nodes'],
    line: 2,
  },
  {
    name: 'invalid CIDR prefix',
    yaml: 'postgres:\n  allowedClientCidrs:\n    - 10.0.0.0/8\n    - 10.0.0.0/33\n',
    path: ['postgres', 'allowedClientCidrs', 1],
    line: 4,
  },
  {
    name: 'CIDR without a prefix',
    yaml: 'postgres:\n  allowedClientCidrs: [10.1.2.3]\n',
    path: ['postgres', 'allowedClientCidrs', 0],
    line: 2,
  },
  {
    name: 'managed parameter port',
    yaml: 'postgres:\n  parameters:\n    work_mem: 4MB\n    port: 5432\n',
    path: ['postgres', 'parameters', 'port'],
    line: 4,
  },
  {
    name: 'managed parameter hot_standby',
    yaml: 'postgres:\n  parameters:\n    hot_standby: "off"\n',
    path: ['postgres', 'parameters', 'hot_standby'],
    line: 3,
  },
  {
    name: 'parameter name not a PostgreSQL name',
    yaml: 'postgres:\n  parameters:\n    Work-Mem: 4MB\n',
    path: ['postgres', 'parameters', 'Work-Mem'],
    line: 3,
  },
  { name: 'relative stateDir', yaml: 'local:\n  stateDir: data/garden\n', path: ['local', 'stateDir'], line: 2 },
  { name: 'scheme outside the enum', yaml: 'etcd:\n  scheme: ftp\n', path: ['etcd', 'scheme'], line: 2 },
  { name: 'namespace not absolute', yaml: 'etcd:\n  namespace: service\n', path: ['etcd', 'namespace'], line: 2 },
  {
    name: 'bindAddress a hostname',
    yaml: 'local:\n  bindAddress: localhost\n',
    path: ['local', 'bindAddress'],
    line: 2,
  },
  {
    name: 'bindAddress out of range',
    yaml: 'local:\n  bindAddress: 127.0.0.256\n',
    path: ['local', 'bindAddress'],
    line: 2,
  },
  { name: 'cluster name with capitals and underscore', yaml: 'name: Garden_1\n', path: ['name'], line: 1 },
  { name: 'cluster name ending in a dash', yaml: '# comment\nname: garden-\n', path: ['name'], line: 2 },
  {
    name: 'YAML syntax error: an unclosed [ is reported where it opens',
    yaml: 'name: g\nnodes: [1\n',
    path: [],
    line: 2,
    code: 'SPEC_PARSE',
  },
  {
    name: 'duplicate YAML keys',
    yaml: 'name: a\nnodes: 3\nname: b\n',
    path: [],
    line: 3,
    code: 'SPEC_PARSE',
    mentions: 'first at line 1',
  },
  { name: 'postgres.version 12', yaml: 'postgres:\n  version: 12\n', path: ['postgres', 'version'], line: 2 },
  { name: 'postgres.version 18', yaml: 'postgres:\n  version: 18\n', path: ['postgres', 'version'], line: 2 },
  { name: 'haproxy fall of zero', yaml: 'haproxy:\n  fall: 0\n', path: ['haproxy', 'fall'], line: 2 },
];

describe('loadSpec rejects invalid specs with the exact path and line', () => {
  for (const c of invalid) {
    test(c.name, () => {
      const problems = problemsOf(c.yaml, c.code);
      const hit = problems.find((p) => JSON.stringify(p.path) === JSON.stringify(c.path));
      assert.ok(hit, `no problem at ${JSON.stringify(c.path)}; got ${JSON.stringify(problems)}`);
      assert.equal(hit.line, c.line, `line of ${JSON.stringify(c.path)}`);
      assert.ok(hit.hint.length > 0, 'every problem has a hint');
      if (c.mentions) assert.ok(hit.message.includes(c.mentions), `"${hit.message}" should mention ${c.mentions}`);
    });
  }

  test('an unknown key with nothing close lists the allowed keys instead of guessing', () => {
    const [p] = problemsOf('zzzzzz: 1\n');
    assert.deepEqual(p?.path, ['zzzzzz']);
    assert.ok(!p.message.includes('did you mean'));
    assert.ok(p.hint.includes('postgres') && p.hint.includes('haproxy'));
  });

  test('every problem is reported at once, not only the first', () => {
    const problems = problemsOf('nmae: g\netcd:\n  scheme: ftp\nhaproxy:\n  primaryPort: 80\n');
    assert.deepEqual(
      problems.map((p) => [p.path, p.line]).sort((a, b) => Number(a[1]) - Number(b[1])),
      [
        [['nmae'], 1],
        [['etcd', 'scheme'], 3],
        [['haproxy', 'primaryPort'], 5],
      ],
    );
  });

  test('cross-field problems are reported together too', () => {
    const text =
      'etcd:\n  members: 4\npostgres:\n  synchronousMode: false\n  synchronousModeStrict: true\n  parameters:\n    port: 1\n';
    const paths = problemsOf(text)
      .map((p) => JSON.stringify(p.path))
      .sort();
    assert.deepEqual(paths, [
      '["etcd","members"]',
      '["postgres","parameters","port"]',
      '["postgres","synchronousModeStrict"]',
    ]);
  });

  test('the message names the file and line of each problem', () => {
    assert.throws(
      () => loadSpec('postgres:\n  ttl: 10\n', options()),
      (err: unknown) => {
        assert.ok(err instanceof SpecError);
        assert.match(err.message, /gardenos\.yaml:2 postgres\.ttl:/);
        return true;
      },
    );
  });
});

describe('loadSpec resolves valid specs', () => {
  test('empty text gives the defaults with ports derived from basePort 15400', () => {
    for (const text of ['', '# only a comment\n', '{}\n']) {
      const spec = loadSpec(text, options());
      assert.equal(spec.name, 'garden');
      assert.deepEqual(
        spec.nodes.map((n) => [n.name, n.pgPort, n.apiPort, n.nofailover]),
        [
          ['pg1', 15430, 15440, false],
          ['pg2', 15431, 15441, false],
          ['pg3', 15432, 15442, false],
        ],
      );
      assert.deepEqual(
        spec.etcd.members.map((m) => [m.name, m.clientPort, m.peerPort]),
        [
          ['etcd1', 15410, 15411],
          ['etcd2', 15412, 15413],
          ['etcd3', 15414, 15415],
        ],
      );
      assert.deepEqual(
        [spec.haproxy.primaryPort, spec.haproxy.replicaPort, spec.haproxy.statsPort],
        [15400, 15401, 15402],
      );
      assert.deepEqual(spec.etcd, { ...spec.etcd, scheme: 'https', namespace: '/service' });
      assert.deepEqual(spec.local, {
        stateDir: '/var/lib/gardenos/garden',
        basePort: 15400,
        bindAddress: '127.0.0.1',
        serviceUser: 'gardenos-app',
      });
      assert.deepEqual(spec.postgres.app, { role: 'app', database: 'app' });
      assert.equal(spec.postgres.version, 15);
      assert.deepEqual([spec.postgres.ttl, spec.postgres.loopWait, spec.postgres.retryTimeout], [20, 2, 5]);
      assert.deepEqual(spec.postgres.allowedClientCidrs, ['127.0.0.1/32']);
    }
  });

  test('the default state dir is derived from the cluster name', () => {
    assert.equal(loadSpec('name: orchard\n', options()).local.stateDir, '/var/lib/gardenos/orchard');
  });

  test('overrides take precedence over file values', () => {
    const text = 'local:\n  stateDir: /srv/from-file\n  basePort: 20000\n';
    const fromFile = loadSpec(text, options());
    assert.deepEqual([fromFile.local.stateDir, fromFile.local.basePort], ['/srv/from-file', 20000]);
    const spec = loadSpec(text, options({ stateDir: '/srv/from-flag', basePort: 21000 }));
    assert.equal(spec.local.stateDir, '/srv/from-flag');
    assert.equal(spec.local.basePort, 21000);
    assert.equal(spec.haproxy.primaryPort, 21000);
    assert.equal(spec.nodes[0]?.pgPort, 21030);
  });

  test('an invalid override is reported like a file value', () => {
    assert.throws(
      () => loadSpec('', options({ basePort: 80 })),
      (err: unknown) => err instanceof SpecError && err.problems.some((p) => p.path.join('.') === 'local.basePort'),
    );
  });

  test('the result is deeply frozen', () => {
    const spec = loadSpec('', options());
    assert.ok(Object.isFrozen(spec));
    assert.ok(Object.isFrozen(spec.nodes) && Object.isFrozen(spec.nodes[0]));
    assert.ok(Object.isFrozen(spec.postgres.parameters));
    assert.throws(() => {
      (spec.local as { basePort: number }).basePort = 1;
    }, TypeError);
  });

  test('a full valid spec loads with every value and round-trips through YAML', () => {
    const text = [
      'name: orchard',
      'nodes:',
      '  - { name: alpha, pgPort: 26000, apiPort: 26100 }',
      '  - { name: beta, nofailover: true }',
      'etcd:',
      '  members:',
      '    - { name: e1, clientPort: 26200, peerPort: 26201 }',
      '  scheme: http',
      '  namespace: /gardens/',
      'postgres:',
      '  version: 16',
      '  ttl: 40',
      '  loopWait: 5',
      '  retryTimeout: 10',
      '  synchronousMode: true',
      '  synchronousModeStrict: true',
      '  maximumLagOnFailover: 0',
      '  parameters: { work_mem: 8MB, max_connections: 200, jit: false }',
      '  allowedClientCidrs: [10.0.0.0/8, 127.0.0.1/32]',
      '  superuser: admin',
      'haproxy: { primaryPort: 26300, replicaPort: 26301, statsPort: 26302, checkIntervalMs: 500, fall: 3, rise: 2 }',
      'local: { stateDir: /srv/orchard, basePort: 25000, bindAddress: 127.0.0.5 }',
      '',
    ].join('\n');
    const spec = loadSpec(text, options());
    assert.deepEqual(spec.nodes, [
      { name: 'alpha', pgPort: 26000, apiPort: 26100, nofailover: false },
      { name: 'beta', pgPort: 25031, apiPort: 25041, nofailover: true },
    ]);
    assert.equal(spec.etcd.namespace, '/gardens', 'a trailing slash is dropped');
    assert.deepEqual(spec.postgres.parameters, { work_mem: '8MB', max_connections: 200, jit: false });
    assert.equal(spec.postgres.superuser, 'admin');
    assert.deepEqual(spec.haproxy, {
      primaryPort: 26300,
      replicaPort: 26301,
      statsPort: 26302,
      checkIntervalMs: 500,
      fastIntervalMs: 125,
      fall: 3,
      rise: 2,
    });
    assert.deepEqual(loadSpec(stringify(spec), options()), spec);
  });
});

describe('suggest and editDistance', () => {
  test('editDistance counts insertions, deletions and substitutions', () => {
    assert.equal(editDistance('', ''), 0);
    assert.equal(editDistance('abc', ''), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('nmae', 'name'), 2);
    assert.equal(editDistance('ttl', 'ttl'), 0);
  });

  test('suggest picks the closest candidate, case-insensitively', () => {
    assert.equal(suggest('postgress', ['name', 'nodes', 'postgres']), 'postgres');
    assert.equal(suggest('BasePort', ['basePort', 'bindAddress']), 'basePort');
    assert.equal(suggest('synchronousmod', ['synchronousMode', 'synchronousModeStrict']), 'synchronousMode');
  });

  test('suggest gives nothing when no candidate is close', () => {
    assert.equal(suggest('zzzzzz', ['name', 'nodes']), undefined);
    assert.equal(suggest('x', []), undefined);
  });
});

describe('presenting the spec', () => {
  test('maskSecrets hides secret-looking strings at any depth and leaves the input alone', () => {
    const input = { superuserPassword: 'hunter2', nested: [{ apiToken: 't', keyFile: '/k', port: 1 }], secret: 5 };
    assert.deepEqual(maskSecrets(input), {
      superuserPassword: '********',
      nested: [{ apiToken: '********', keyFile: '/k', port: 1 }],
      secret: 5,
    });
    assert.equal(input.superuserPassword, 'hunter2');
  });

  test('specJsonSchema describes the top-level keys and rejects others', () => {
    const schema = specJsonSchema();
    assert.equal(schema.type, 'object');
    assert.equal(schema.additionalProperties, false);
    const props = schema.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(props).sort(), [
      'backup',
      'etcd',
      'haproxy',
      'hosts',
      'k3s',
      'k8s',
      'local',
      'monitoring',
      'name',
      'nodes',
      'pooler',
      'postgres',
      'router',
      'routing',
      'services',
      'supabase',
    ]);
    assert.equal(props.postgres?.additionalProperties, false);
    assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema, 'the schema is plain JSON');
  });
});
