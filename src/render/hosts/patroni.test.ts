// patroni.yml of a host, parsed back with `yaml`: etcd3 over https with the host's client cert, TLS for
// PostgreSQL and the REST API, hostssl pg_hba after the socket lines, and no password anywhere.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { requireBinary } from '../../../test/support/processes.js';
import { LOCAL_SOCKET_HBA, OWN_CONNECTIONS_OVER_SOCKET } from '../patroni.js';
import { FAKE_SECRETS, hostOf, hostsSpec, SPLIT_ROLES_YAML, THREE_HOSTS_YAML } from './fixtures.js';
import { parseEnvFile } from './env-file.js';
import { DEFAULT_HOST_PROGRAMS } from './model.js';
import { HOST_PATHS } from './paths.js';
import { renderHostPatroniConfig, renderHostsPgHba, renderPatroniFiles, renderPatroniService } from './patroni.js';

type Tree = Record<string, unknown>;
const journal = hostsSpec(THREE_HOSTS_YAML);
const yamlOf = (spec = journal, host = 's2'): Tree =>
  parse(renderHostPatroniConfig(spec, hostOf(spec, host), DEFAULT_HOST_PROGRAMS)) as Tree;
const at = (tree: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((t, k) => (t as Tree | undefined)?.[k], tree);
const tls = { ca: HOST_PATHS.tls.ca, cert: HOST_PATHS.tls.cert, key: HOST_PATHS.tls.key('postgres') };

describe('host patroni.yml', () => {
  const config = yamlOf();

  test('names the host, its private address and the well-known ports', () => {
    assert.equal(config.scope, 'journal');
    assert.equal(config.name, 's2');
    assert.equal(at(config, 'postgresql', 'listen'), '10.20.0.12:5432');
    assert.equal(at(config, 'restapi', 'connect_address'), '10.20.0.12:8008');
    assert.equal(at(config, 'postgresql', 'data_dir'), '/var/lib/gardenos/postgresql/15/data');
    assert.equal(at(config, 'postgresql', 'bin_dir'), '/usr/lib/postgresql/15/bin');
  });

  test('etcd3 over https to every etcd host, its own first and kept in that order, with the CA and the host client certificate', () => {
    assert.deepEqual(config.etcd3, {
      hosts: ['10.20.0.12:2379', '10.20.0.11:2379', '10.20.0.13:2379'],
      use_proxies: true,
      protocol: 'https',
      cacert: tls.ca,
      cert: tls.cert,
      key: tls.key,
    });
    assert.equal(config.etcd, undefined, 'never the v2 etcd section');
  });

  test('REST API over https with authentication (user only: the password comes from the environment), ctl trusts the CA', () => {
    assert.deepEqual(config.restapi, {
      listen: '10.20.0.12:8008',
      connect_address: '10.20.0.12:8008',
      authentication: { username: 'gardenos' },
      cafile: tls.ca,
      certfile: tls.cert,
      keyfile: tls.key,
    });
    assert.deepEqual(config.ctl, { insecure: false, cacert: tls.ca, certfile: tls.cert, keyfile: tls.key });
  });

  test('PostgreSQL with ssl on and the endpoint certificate (valid through any HAProxy); replication and rewind require TLS', () => {
    const params = at(config, 'postgresql', 'parameters') as Tree;
    assert.equal(params.ssl, 'on');
    assert.equal(params.ssl_cert_file, HOST_PATHS.tls.endpointCert);
    assert.equal(params.ssl_key_file, HOST_PATHS.tls.endpointKey);
    assert.equal(params.unix_socket_directories, HOST_PATHS.patroni.runDir);
    assert.deepEqual(at(config, 'postgresql', 'authentication'), {
      superuser: { username: 'postgres' },
      replication: { username: 'replicator', sslmode: 'require' },
      rewind: { username: 'rewind_user', sslmode: 'require' },
    });
  });

  test("no password is in the file, and every password is in the secret env file under Patroni's names", () => {
    const text = renderHostPatroniConfig(journal, hostOf(journal, 's1'), DEFAULT_HOST_PROGRAMS);
    assert.doesNotMatch(text, /password:/i);
    for (const value of Object.values(FAKE_SECRETS)) assert.ok(!text.includes(value));
    const env = renderPatroniFiles(
      journal,
      hostOf(journal, 's1'),
      DEFAULT_HOST_PROGRAMS,
      FAKE_SECRETS,
      'launcher',
    ).find((f) => f.path === HOST_PATHS.secrets.patroni);
    assert.ok(env?.secret && env.mode === 0o600 && env.path.startsWith('/etc/gardenos/secrets/'));
    assert.deepEqual(parseEnvFile(env.content), {
      PATRONI_SUPERUSER_PASSWORD: FAKE_SECRETS.superuserPassword,
      PATRONI_REPLICATION_PASSWORD: FAKE_SECRETS.replicationPassword,
      PATRONI_REWIND_PASSWORD: FAKE_SECRETS.rewindPassword,
      PATRONI_RESTAPI_PASSWORD: FAKE_SECRETS.restapiPassword,
    });
    assert.deepEqual(renderPatroniService(journal, hostOf(journal, 's1'), DEFAULT_HOST_PROGRAMS).environmentFiles, [
      HOST_PATHS.secrets.patroni,
    ]);
  });

  test("pg_hba: the socket lines first (Patroni uses the socket), then hostssl only: PgBouncer's auth role by certificate from the pooler hosts, scram-sha-256 for the rest", () => {
    assert.equal(at(config, 'postgresql', 'use_unix_socket'), OWN_CONNECTIONS_OVER_SOCKET.use_unix_socket);
    assert.equal(at(config, 'postgresql', 'use_unix_socket_repl'), OWN_CONNECTIONS_OVER_SOCKET.use_unix_socket_repl);
    const expected = [
      // The exporter's role by peer auth from its OS user (pg_ident maps prometheus to it), before `local all all`.
      'local all gardenos_monitor peer map=gardenos_monitor',
      ...LOCAL_SOCKET_HBA,
      'hostssl replication replicator 10.20.0.11/32 scram-sha-256',
      'hostssl replication replicator 10.20.0.12/32 scram-sha-256',
      'hostssl replication replicator 10.20.0.13/32 scram-sha-256',
      'hostssl all gardenos_pooler 10.20.0.11/32 cert',
      'hostssl all gardenos_pooler 10.20.0.12/32 cert',
      'hostssl all gardenos_pooler 10.20.0.13/32 cert',
      'hostssl all all 10.42.0.0/16 scram-sha-256',
      'hostssl all all 10.20.0.11/32 scram-sha-256',
      'hostssl all all 10.20.0.12/32 scram-sha-256',
      'hostssl all all 10.20.0.13/32 scram-sha-256',
    ];
    assert.deepEqual(at(config, 'postgresql', 'pg_hba'), expected);
    assert.deepEqual(at(config, 'bootstrap', 'pg_hba'), expected);
    assert.deepEqual(at(config, 'postgresql', 'pg_ident'), ['gardenos_monitor prometheus gardenos_monitor']);
  });

  test('replication only from postgres hosts; clients from every host', () => {
    const hba = renderHostsPgHba(hostsSpec(SPLIT_ROLES_YAML));
    assert.deepEqual(
      hba.filter((l) => l.includes(' replication ') && l.startsWith('hostssl')).map((l) => l.split(' ')[3]),
      ['10.30.0.4/32', '10.30.0.5/32'],
    );
    assert.equal(
      hba.filter((l) => l.startsWith('hostssl all all')).length,
      1 + 5,
      'the default 127.0.0.1/32 and all five hosts',
    );
    assert.deepEqual(
      hba.filter((l) => l.includes(' gardenos_pooler ')).map((l) => l.split(' ')[3]),
      ['10.30.0.3/32', '10.30.0.5/32'],
      'the auth role only from the haproxy hosts, where PgBouncer runs',
    );
    assert.ok(
      hba.every(
        (l) =>
          l.endsWith(' scram-sha-256') ||
          / gardenos_pooler \S+ cert$/.test(l) ||
          l === 'local all gardenos_monitor peer map=gardenos_monitor',
      ),
    );
  });

  test('synchronous mode and timings from spec.postgres, in bootstrap.dcs', () => {
    const spec = hostsSpec(
      THREE_HOSTS_YAML.replace(
        'postgres:\n',
        'postgres:\n  synchronousModeStrict: true\n  ttl: 30\n  loopWait: 5\n  retryTimeout: 10\n',
      ),
    );
    const dcs = at(yamlOf(spec), 'bootstrap', 'dcs') as Tree;
    assert.equal(dcs.synchronous_mode, true, 'the default with 2+ postgres hosts');
    assert.equal(dcs.synchronous_mode_strict, true);
    assert.deepEqual([dcs.ttl, dcs.loop_wait, dcs.retry_timeout], [30, 5, 10]);
    const async = hostsSpec(THREE_HOSTS_YAML.replace('postgres:\n', 'postgres:\n  synchronousMode: false\n'));
    assert.equal(at(yamlOf(async), 'bootstrap', 'dcs', 'synchronous_mode'), false);
  });

  test('backups: archive_command through the host pgbackrest.conf; without backup no archiving', () => {
    const params = at(config, 'bootstrap', 'dcs', 'postgresql', 'parameters') as Tree;
    assert.equal(params.archive_mode, 'on');
    assert.match(
      String(params.archive_command),
      /^pgbackrest --config=\/etc\/gardenos\/pgbackrest\/pgbackrest.conf --stanza=journal .*archive-push %p$/,
    );
    const noBackup = hostsSpec(THREE_HOSTS_YAML.replace(/^backup:.*\n/m, ''));
    assert.equal(at(yamlOf(noBackup), 'bootstrap', 'dcs', 'postgresql', 'parameters', 'archive_mode'), undefined);
  });

  test('Patroni runs through the launcher as postgres, after the local etcd member when there is one', () => {
    const s1 = renderPatroniService(journal, hostOf(journal, 's1'), DEFAULT_HOST_PROGRAMS);
    assert.deepEqual(s1.exec, ['/usr/bin/python3', HOST_PATHS.patroni.launcher, HOST_PATHS.patroni.config]);
    assert.equal(s1.user, 'postgres');
    assert.ok(s1.after.includes('gardenos-etcd.service'));
    assert.equal(s1.stop.mainProcessOnly, true);
    const split = hostsSpec(SPLIT_ROLES_YAML);
    assert.ok(
      !renderPatroniService(split, hostOf(split, 'p1'), DEFAULT_HOST_PROGRAMS).after.includes('gardenos-etcd.service'),
    );
  });
});

describe("Patroni's own config loader merges the env file into the rendered patroni.yml", () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('passwords from PATRONI_*_PASSWORD land beside the usernames, and nothing else is read from them', async () => {
    // The interpreter of Debian's patroni script, which the unit runs the launcher with.
    const patroni = requireBinary('patroni', 'sudo apt-get install -y patroni');
    const python = /^#!\s*(\S+)/.exec(readFileSync(patroni, 'utf8'))?.[1];
    assert.ok(python, `${patroni} starts with a #! line`);
    const dir = mkdtempSync(join(tmpdir(), 'gardenos-hosts-patroni-'));
    dirs.push(dir);
    const file = join(dir, 'patroni.yml');
    writeFileSync(file, renderHostPatroniConfig(journal, hostOf(journal, 's1'), DEFAULT_HOST_PROGRAMS));
    const envFile = renderPatroniFiles(journal, hostOf(journal, 's1'), DEFAULT_HOST_PROGRAMS, FAKE_SECRETS, 'x').find(
      (f) => f.path === HOST_PATHS.secrets.patroni,
    )!;
    const script = [
      'import json, sys',
      'from patroni.config import Config',
      'c = Config(sys.argv[1])',
      "print(json.dumps({'restapi': c['restapi']['authentication'], 'postgresql': c['postgresql']['authentication'], 'users': c.get('bootstrap', {}).get('users')}))",
    ].join('\n');
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        python,
        ['-c', script, file],
        { timeout: 60_000, env: { PATH: process.env.PATH, ...parseEnvFile(envFile.content) } },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
      );
    });
    assert.deepEqual(JSON.parse(out), {
      restapi: { username: 'gardenos', password: FAKE_SECRETS.restapiPassword },
      postgresql: {
        superuser: { username: 'postgres', password: FAKE_SECRETS.superuserPassword },
        replication: { username: 'replicator', sslmode: 'require', password: FAKE_SECRETS.replicationPassword },
        rewind: { username: 'rewind_user', sslmode: 'require', password: FAKE_SECRETS.rewindPassword },
      },
      // A PATRONI_<name>_PASSWORD Patroni does not claim would become a bootstrap user: there is none.
      users: null,
    });
  });
});
