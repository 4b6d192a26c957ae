// Unit tests of the patroni.yml renderer, and `patroni --validate-config` on its output against a real etcd.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadSpec, type Spec } from '../spec/index.js';
import {
  GENERATED_HEADER,
  ROLE_NAMES,
  localTopology,
  renderEtcdArgs,
  renderPatroniConfig,
  type PatroniNodeInput,
} from './index.js';
import { requireBinary as requireInstalled } from '../../test/support/processes.js';

const INSTALL = 'sudo apt-get install -y haproxy patroni etcd-server etcd-client';
const secrets = {
  superuserPassword: 's3cret-su',
  replicationPassword: 's3cret-repl',
  rewindPassword: 's3cret-rw',
  restapiPassword: 's3cret-api',
};

function specFrom(text: string): Spec {
  return loadSpec(text, { source: 'test', defaultStateDir: (name) => `/srv/${name}` });
}

function inputFor(spec: Spec, nodeIndex = 0, dir = '/srv/garden'): PatroniNodeInput {
  const topology = localTopology(spec);
  const node = topology.nodes[nodeIndex];
  assert.ok(node, `node ${nodeIndex} exists`);
  return {
    spec,
    topology,
    node,
    secrets,
    dataDir: join(dir, node.name, 'data'),
    binDir: '/usr/lib/postgresql/15/bin',
    runDir: join(dir, 'run'),
  };
}

type Tree = Record<string, unknown>;

/** Reads the output the way Patroni's PyYAML does: YAML 1.1, where a bare `off` is the boolean false. */
function patroniView(spec: Spec, nodeIndex = 0): Tree {
  return parse(renderPatroniConfig(inputFor(spec, nodeIndex)), { version: '1.1' }) as Tree;
}

function at(tree: Tree, ...path: string[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Tree | undefined)?.[key], tree);
}

describe('renderPatroniConfig', () => {
  test('is deterministic and starts with the generated header', () => {
    const spec = specFrom('');
    assert.equal(renderPatroniConfig(inputFor(spec, 1)), renderPatroniConfig(inputFor(spec, 1)));
    assert.ok(renderPatroniConfig(inputFor(spec)).startsWith(`# ${GENERATED_HEADER}\n`));
  });

  test('uses the etcd3 DCS with every member, never the v2 etcd section', () => {
    const text = renderPatroniConfig(inputFor(specFrom('')));
    const config = parse(text) as Tree;
    assert.ok('etcd3' in config);
    assert.ok(!('etcd' in config));
    assert.doesNotMatch(text, /^etcd:/m);
    assert.deepEqual(at(config, 'etcd3', 'hosts'), ['127.0.0.1:15410', '127.0.0.1:15412', '127.0.0.1:15414']);
    assert.equal(at(config, 'etcd3', 'protocol'), 'https');
    assert.equal(at(config, 'scope'), 'garden');
    assert.equal(at(config, 'namespace'), '/service/');
  });

  test('https etcd gets the TLS files', () => {
    const spec = specFrom('etcd: { scheme: https }\n');
    const tls = { caFile: '/t/ca.pem', certFile: '/t/c.pem', keyFile: '/t/k.pem' };
    const config = parse(renderPatroniConfig({ ...inputFor(spec), etcdTls: tls })) as Tree;
    assert.deepEqual(at(config, 'etcd3'), {
      hosts: ['127.0.0.1:15410', '127.0.0.1:15412', '127.0.0.1:15414'],
      protocol: 'https',
      cacert: '/t/ca.pem',
      cert: '/t/c.pem',
      key: '/t/k.pem',
    });
  });

  test('each node listens on its own ports', () => {
    const config = patroniView(specFrom(''), 2);
    assert.equal(at(config, 'name'), 'pg3');
    assert.equal(at(config, 'restapi', 'listen'), '127.0.0.1:15442');
    assert.equal(at(config, 'postgresql', 'listen'), '127.0.0.1:15432');
    assert.equal(at(config, 'postgresql', 'connect_address'), '127.0.0.1:15432');
  });

  test('pg_hba uses scram-sha-256 on every line and never trust', () => {
    const config = patroniView(specFrom('postgres: { allowedClientCidrs: [10.0.0.0/8] }\n'));
    for (const hba of [at(config, 'bootstrap', 'pg_hba'), at(config, 'postgresql', 'pg_hba')]) {
      assert.ok(Array.isArray(hba) && hba.length > 0);
      for (const line of hba as string[]) {
        assert.match(line, / scram-sha-256$/);
        assert.doesNotMatch(line, /\btrust\b|\bmd5\b|\bpassword\b/);
      }
      assert.ok(hba.includes('hostssl all all 10.0.0.0/8 scram-sha-256'));
      assert.ok(hba.includes(`hostssl replication ${ROLE_NAMES.replication} 127.0.0.1/32 scram-sha-256`));
    }
  });

  test('postgres.tls required (the default): no TCP line admits plaintext; preferred and off use host lines', () => {
    const tcpLines = (text: string) =>
      (at(patroniView(specFrom(text)), 'postgresql', 'pg_hba') as string[]).filter((l) => !l.startsWith('local '));
    const required = tcpLines('{}\n');
    assert.ok(required.length > 0);
    for (const line of required) assert.match(line, /^hostssl /);
    for (const mode of ['preferred', 'off']) {
      const lines = tcpLines(`postgres: { tls: ${mode} }\n`);
      assert.ok(lines.length > 0);
      for (const line of lines) assert.match(line, /^host /, mode);
    }
  });

  test('with a server certificate: PostgreSQL and the REST API serve it, replication and pg_rewind check it (verify-full)', () => {
    const spec = specFrom('{}\n');
    const tls = { caFile: '/srv/garden/certs/ca.crt', certFile: '/srv/c/pg-pg1.crt', keyFile: '/srv/c/pg-pg1.key' };
    const config = parse(renderPatroniConfig({ ...inputFor(spec), serverTls: tls }), { version: '1.1' }) as Tree;
    assert.equal(at(config, 'postgresql', 'parameters', 'ssl'), 'on');
    assert.equal(at(config, 'postgresql', 'parameters', 'ssl_cert_file'), tls.certFile);
    assert.equal(at(config, 'postgresql', 'parameters', 'ssl_key_file'), tls.keyFile);
    assert.equal(at(config, 'restapi', 'certfile'), tls.certFile);
    assert.equal(at(config, 'restapi', 'keyfile'), tls.keyFile);
    assert.equal(at(config, 'ctl', 'cacert'), tls.caFile);
    for (const who of ['replication', 'rewind']) {
      assert.equal(at(config, 'postgresql', 'authentication', who, 'sslmode'), 'verify-full');
      assert.equal(at(config, 'postgresql', 'authentication', who, 'sslrootcert'), tls.caFile);
    }
    const plain = patroniView(spec);
    assert.equal(at(plain, 'postgresql', 'parameters', 'ssl'), undefined);
    assert.equal(at(plain, 'restapi', 'certfile'), undefined);
  });

  test('Patroni reaches its own PostgreSQL over the socket, so a client pg_hba mistake cannot cut it off', () => {
    const config = patroniView(specFrom('{}\n'));
    assert.equal(at(config, 'postgresql', 'use_unix_socket'), true);
    assert.equal(at(config, 'postgresql', 'use_unix_socket_repl'), true);
    for (const hba of [at(config, 'bootstrap', 'pg_hba'), at(config, 'postgresql', 'pg_hba')] as string[][]) {
      // The socket lines come before every host line: the first matching line decides.
      assert.deepEqual(hba.slice(0, 2), [
        'local all all scram-sha-256',
        `local replication ${ROLE_NAMES.replication} scram-sha-256`,
      ]);
    }
  });

  test('authentication has superuser, replication and rewind users', () => {
    const config = patroniView(specFrom('postgres: { superuser: admin }\n'));
    assert.deepEqual(at(config, 'postgresql', 'authentication'), {
      superuser: { username: 'admin', password: secrets.superuserPassword },
      replication: { username: ROLE_NAMES.replication, password: secrets.replicationPassword },
      rewind: { username: ROLE_NAMES.rewind, password: secrets.rewindPassword },
    });
  });

  test('the REST API requires authentication for unsafe endpoints', () => {
    assert.deepEqual(at(patroniView(specFrom('')), 'restapi', 'authentication'), {
      username: ROLE_NAMES.restapi,
      password: secrets.restapiPassword,
    });
  });

  test('the nofailover tag follows the node', () => {
    const spec = specFrom('nodes:\n  - name: alpha\n  - name: beta\n    nofailover: true\n');
    assert.equal(at(patroniView(spec, 0), 'tags', 'nofailover'), false);
    assert.equal(at(patroniView(spec, 1), 'tags', 'nofailover'), true);
  });

  test('synchronous mode flags and timings go to bootstrap.dcs', () => {
    // 2+ nodes default to synchronous mode, non-strict; one node and an explicit false do not.
    const byDefault = patroniView(specFrom(''));
    assert.equal(at(byDefault, 'bootstrap', 'dcs', 'synchronous_mode'), true);
    assert.equal(at(byDefault, 'bootstrap', 'dcs', 'synchronous_mode_strict'), false);
    assert.equal(at(patroniView(specFrom('nodes: 1\n')), 'bootstrap', 'dcs', 'synchronous_mode'), false);
    const off = patroniView(specFrom('postgres: { synchronousMode: false }\n'));
    assert.equal(at(off, 'bootstrap', 'dcs', 'synchronous_mode'), false);
    assert.equal(at(off, 'bootstrap', 'dcs', 'synchronous_mode_strict'), false);
    const on = patroniView(
      specFrom(
        'postgres: { synchronousMode: true, synchronousModeStrict: true, ttl: 45, loopWait: 5, retryTimeout: 20 }\n',
      ),
    );
    assert.equal(at(on, 'bootstrap', 'dcs', 'synchronous_mode'), true);
    assert.equal(at(on, 'bootstrap', 'dcs', 'synchronous_mode_strict'), true);
    assert.deepEqual(
      [
        at(on, 'bootstrap', 'dcs', 'ttl'),
        at(on, 'bootstrap', 'dcs', 'loop_wait'),
        at(on, 'bootstrap', 'dcs', 'retry_timeout'),
      ],
      [45, 5, 20],
    );
  });

  test('user parameters are merged over the replication baseline', () => {
    const spec = specFrom(
      'postgres:\n  parameters:\n    work_mem: 8MB\n    max_wal_senders: 20\n    log_connections: "on"\n',
    );
    const params = at(patroniView(spec), 'bootstrap', 'dcs', 'postgresql', 'parameters') as Tree;
    assert.equal(params.wal_level, 'replica');
    assert.equal(params.password_encryption, 'scram-sha-256');
    assert.equal(params.work_mem, '8MB');
    assert.equal(params.max_wal_senders, 20, 'the user value wins');
    assert.equal(params.log_connections, 'on');
  });

  test('YAML 1.1 readers see "off" and "on" as strings, not booleans', () => {
    const config = patroniView(specFrom('postgres: { parameters: { log_checkpoints: "off" } }\n'));
    assert.equal(at(config, 'watchdog', 'mode'), 'off');
    const params = at(config, 'bootstrap', 'dcs', 'postgresql', 'parameters') as Tree;
    assert.equal(params.hot_standby, 'on');
    assert.equal(params.wal_log_hints, 'on');
    assert.equal(params.log_checkpoints, 'off');
  });
});

/** The absolute path of `name`; a missing validator fails the test, never skips it. */
const requireBinary = (name: string): string => requireInstalled(name, INSTALL);

/** Patroni's validator checks that bin_dir holds the PostgreSQL binaries. */
function postgresBinDir(): { version: number; binDir: string } {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .map(Number)
        .filter((v) => v >= 13 && v <= 17)
        .sort((a, b) => b - a)
    : [];
  const version = versions[0];
  assert.ok(
    version !== undefined,
    `no PostgreSQL 13-17 under ${root}; install it with: sudo apt-get install -y postgresql`,
  );
  return { version, binDir: `${root}/${version}/bin` };
}

async function waitHealthy(url: string, etcd: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (etcd.exitCode !== null) assert.fail(`etcd exited with ${etcd.exitCode}:\n${log()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: unknown };
      // etcd 3.4 answers {"health":"true"}, later versions may use a boolean.
      if (body.health === 'true' || body.health === true) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`etcd was not healthy at ${url} within 20s:\n${log()}`);
}

describe('patroni --validate-config accepts the rendered patroni.yml', () => {
  // Patroni 3.0.2's validator rejects a connect_address containing "127.0.0.1" (it expects other hosts to
  // reach it), so the platform binds the loopback alias 127.0.0.2, which Linux routes without setup.
  // The validator also connects to the etcd3 hosts and checks the listen ports are free, so one real
  // etcd member runs here, started from renderEtcdArgs (which also checks those flags against etcd).
  // Plain http for this check's own throwaway etcd: what is validated here is the rest of patroni.yml.
  const base =
    'name: validate\netcd: { members: 1, scheme: http }\nlocal: { basePort: 23000, bindAddress: 127.0.0.2 }\n';
  let dir = '';
  let etcd: ChildProcess | undefined;
  let pgVersion = 15;
  let binDir = '';
  let ready: Promise<void> = Promise.resolve();

  async function startEtcd(): Promise<void> {
    requireBinary('patroni');
    const etcdPath = requireBinary('etcd');
    ({ version: pgVersion, binDir } = postgresBinDir());
    dir = await mkdtemp(join(tmpdir(), 'gardenos-patroni-'));
    const spec = specFrom(base);
    const topology = localTopology(spec);
    const member = topology.etcd[0]!;
    let log = '';
    etcd = spawn(etcdPath, renderEtcdArgs({ spec, topology, member, dataDir: join(dir, 'etcd') }), {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    etcd.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    await waitHealthy(`http://${member.host}:${member.clientPort}/health`, etcd, () => log);
  }

  before(async () => {
    ready = startEtcd();
    // A setup failure is rethrown by each test: a failing hook would only mark them cancelled, not failed.
    await ready.catch(() => undefined);
  });

  after(async () => {
    if (etcd && etcd.exitCode === null && etcd.signalCode === null) {
      const exited = new Promise((r) => etcd?.once('exit', r));
      etcd.kill('SIGTERM');
      const timer = setTimeout(() => etcd?.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function validate(extra: string, nodeIndex: number): Promise<void> {
    await ready;
    const spec = specFrom(`${base}postgres:\n  version: ${pgVersion}\n${extra}`);
    const input = { ...inputFor(spec, nodeIndex, dir), binDir };
    await mkdir(join(dir, input.node.name), { recursive: true });
    const file = join(dir, `${input.node.name}.yml`);
    await writeFile(file, renderPatroniConfig(input));
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(requireBinary('patroni'), ['--validate-config', file], { timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: `${stdout}${stderr}` }),
      );
    });
    assert.equal(result.code, 0, `patroni --validate-config ${file} failed:\n${result.output}`);
  }

  test('a default node', async () => {
    await validate('', 0);
  });

  test('a nofailover node with synchronous mode and user parameters', async () => {
    const extra =
      '  synchronousMode: true\n  parameters: { work_mem: 8MB, log_connections: "on" }\n' +
      'nodes:\n  - { name: alpha }\n  - { name: beta, nofailover: true }\n';
    await validate(extra, 1);
  });
});
