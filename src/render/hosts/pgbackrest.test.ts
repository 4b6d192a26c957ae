// One pgBackRest repository for the hosts: on backup.repoHost, reached by every PostgreSQL host over TLS.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hostPorts, loadSpec } from '../../spec/index.js';
import { FAKE_SECRETS, THREE_HOSTS_YAML, hostOf, hostsSpec } from './fixtures.js';
import { DEFAULT_HOST_PROGRAMS } from './model.js';
import { renderHostPgbackrestConfig, renderPgbackrestFiles, renderPgbackrestService } from './pgbackrest.js';

const journal = hostsSpec(THREE_HOSTS_YAML);
const lines = (text: string) => text.split('\n');

describe('pgBackRest on the hosts target', () => {
  test('the repository host keeps the repository, lets the other PostgreSQL hosts in by CN, and lists every one', () => {
    assert.equal(journal.backup?.repoHost, 's1', 'the first postgres host by default');
    const conf = lines(renderHostPgbackrestConfig(journal, hostOf(journal, 's1')));
    assert.ok(conf.includes('repo1-path=/var/lib/gardenos/pgbackrest/repo'));
    assert.ok(!conf.some((l) => l.startsWith('repo1-host')));
    assert.deepEqual(
      conf.filter((l) => l.startsWith('tls-server-auth=')),
      ['tls-server-auth=s2=journal', 'tls-server-auth=s3=journal'],
    );
    assert.ok(conf.includes('tls-server-address=10.20.0.11'));
    // Its own server is local, the others through their TLS servers.
    assert.ok(conf.includes('pg1-path=/var/lib/gardenos/postgresql/15/data'));
    assert.ok(!conf.some((l) => l.startsWith('pg1-host')));
    assert.ok(conf.includes('pg2-host=10.20.0.12') && conf.includes('pg2-host-type=tls'));
    assert.ok(conf.includes('pg3-host=10.20.0.13') && conf.includes('pg3-host-port=8432'));
  });

  test('a PostgreSQL host pushes WAL to the repository host over TLS and lets only it in', () => {
    const conf = lines(renderHostPgbackrestConfig(journal, hostOf(journal, 's2')));
    assert.ok(conf.includes('repo1-host=10.20.0.11') && conf.includes('repo1-host-type=tls'));
    assert.ok(conf.includes('repo1-host-key-file=/etc/gardenos/tls/postgres.key'));
    assert.ok(conf.includes('repo1-path=/var/lib/gardenos/pgbackrest/repo'), 'the path on the repository host');
    assert.ok(
      !conf.some((l) => l.startsWith('repo1-retention')),
      'no repository of its own: the WAL archive stays one',
    );
    assert.deepEqual(
      conf.filter((l) => l.startsWith('tls-server-auth=')),
      ['tls-server-auth=s1=journal'],
    );
    assert.ok(
      conf.includes('pg1-path=/var/lib/gardenos/postgresql/15/data') && !conf.some((l) => l.startsWith('pg2-')),
    );
  });

  test('backup.repoHost can name a host without PostgreSQL: it runs only the server, with the repository', () => {
    const spec = hostsSpec(
      THREE_HOSTS_YAML.replace(/^( {2}- \{ name: s3, .*) \}$/m, '$1, roles: [etcd, haproxy] }').replace(
        'backup: { enabled: true, repoPath: /var/lib/gardenos/pgbackrest/repo }',
        'backup: { enabled: true, repoHost: s3 }',
      ),
    );
    const s3 = hostOf(spec, 's3');
    assert.deepEqual(s3.roles, ['etcd', 'haproxy']);
    const conf = lines(renderHostPgbackrestConfig(spec, s3));
    assert.deepEqual(
      conf.filter((l) => l.startsWith('tls-server-auth=')),
      ['tls-server-auth=s1=journal', 'tls-server-auth=s2=journal'],
    );
    assert.ok(conf.includes('pg1-host=10.20.0.11') && conf.includes('pg2-host=10.20.0.12'));
    assert.ok(!conf.some((l) => l.startsWith('pg3-')));
    const service = renderPgbackrestService(spec, s3, DEFAULT_HOST_PROGRAMS);
    assert.deepEqual(service.exec, [
      '/usr/bin/pgbackrest',
      '--config=/etc/gardenos/pgbackrest/pgbackrest.conf',
      'server',
    ]);
    assert.ok(service.directories.some((d) => d.path === '/var/lib/gardenos/pgbackrest/repo'));
    assert.ok(
      hostPorts(spec, s3).some((p) => p.port === 8432),
      'its port is checked by preflight',
    );
  });

  test('the superuser password reaches the server only through a 0600 env file', () => {
    const files = renderPgbackrestFiles(journal, hostOf(journal, 's2'), FAKE_SECRETS);
    const env = files.find((f) => f.path.endsWith('/pgbackrest.env'))!;
    assert.equal(env.mode, 0o600);
    assert.equal(env.secret, true);
    assert.match(env.content, new RegExp(`^PGPASSWORD=${FAKE_SECRETS.superuserPassword}$`, 'm'));
    const conf = files.find((f) => f.path.endsWith('/pgbackrest.conf'))!;
    assert.ok(!conf.content.includes(FAKE_SECRETS.superuserPassword));
    assert.deepEqual(conf.restarts, ['gardenos-pgbackrest']);
  });

  test('backup.repoHost must name a host, and needs hosts', () => {
    assert.throws(
      () => hostsSpec(THREE_HOSTS_YAML.replace('repoPath: /var/lib/gardenos/pgbackrest/repo', 'repoHost: s9')),
      /backup\.repoHost is "s9", which is not a host of this spec/,
    );
    assert.throws(
      () => loadSpec('backup: { enabled: true, repoHost: s1 }\n', { source: 't', defaultStateDir: () => '/x' }),
      /backup\.repoHost names the host that keeps the repository, and this spec has no hosts/,
    );
  });
});
