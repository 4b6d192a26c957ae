// renderHost as a whole: deterministic, only the allowed paths, no secret outside a secret file, a
// service for each role, restarts that name real services, and one fact rendered twice alike.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FAKE_SECRETS,
  fixtureInput,
  fixtureTls,
  hostOf,
  hostsSpec,
  SPLIT_ROLES_YAML,
  THREE_HOSTS_YAML,
} from './fixtures.js';
import { renderHost } from './bundle.js';
import { parseEnvFile } from './env-file.js';
import type { HostBundle } from './model.js';
import { FOREIGN_PATHS, HOST_PATHS, OWN_ROOTS } from './paths.js';
import type { ServicesManifest } from './supervisor.js';

const journal = hostsSpec(THREE_HOSTS_YAML);
const split = hostsSpec(SPLIT_ROLES_YAML);
const all: [string, HostBundle][] = [
  ...['s1', 's2', 's3'].map((n): [string, HostBundle] => [
    `journal/${n}`,
    renderHost(journal, hostOf(journal, n), fixtureInput(n)),
  ]),
  ...['e1', 'e2', 'e3', 'p1', 'p2'].map((n): [string, HostBundle] => [
    `split/${n}`,
    renderHost(split, hostOf(split, n), fixtureInput(n)),
  ]),
];

describe('renderHost', () => {
  test('is deterministic: the same input twice gives equal bundles, files sorted by path', () => {
    for (const name of ['s1', 's3']) {
      const a = renderHost(journal, hostOf(journal, name), fixtureInput(name));
      assert.deepEqual(renderHost(journal, hostOf(journal, name), fixtureInput(name)), a);
      assert.deepEqual(
        a.files.map((f) => f.path),
        [...a.files.map((f) => f.path)].sort(),
      );
      assert.equal(new Set(a.files.map((f) => f.path)).size, a.files.length, 'each path once');
    }
  });

  test('our files are only under the four gardenos roots; systemd units and K3s config are the only exceptions', () => {
    for (const [name, bundle] of all) {
      for (const f of bundle.files) {
        const own = OWN_ROOTS.some((r) => f.path.startsWith(r));
        const foreign = FOREIGN_PATHS.some((r) => f.path.startsWith(r));
        assert.ok(own || foreign, `${name}: ${f.path}`);
        if (f.path.startsWith('/etc/systemd/system/'))
          assert.match(f.path, /\/(gardenos-[a-z-]+\.service|k3s\.service\.d\/gardenos\.conf)$/);
      }
      for (const s of bundle.services) {
        for (const d of s.directories)
          assert.ok(
            OWN_ROOTS.some((r) => d.path.startsWith(r)),
            `${name}: ${d.path}`,
          );
        assert.ok(s.logFile.startsWith('/var/log/gardenos/'));
      }
    }
  });

  test('no secret value appears in any file not marked secret, nor in any exec or environment', () => {
    const tls = fixtureTls('s1');
    const keyBody = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----'));
    for (const [name, bundle] of all) {
      const key = keyBody(fixtureInput(name.split('/')[1]!).tls.key);
      const secrets = [...Object.values(FAKE_SECRETS), ...key];
      for (const f of bundle.files.filter((x) => !x.secret)) {
        for (const s of secrets) assert.ok(!f.content.includes(s), `${name}: ${f.path} holds a secret`);
        assert.doesNotMatch(f.content, /PRIVATE KEY/, `${name}: ${f.path}`);
      }
      for (const s of bundle.services) {
        const visible = [...s.exec, ...Object.values(s.environment)].join('\n');
        for (const v of secrets)
          assert.ok(!visible.includes(v), `${name}: ${s.name}'s command line or environment holds a secret`);
      }
      for (const f of bundle.files.filter((x) => x.secret)) {
        assert.equal(f.mode & 0o077, 0, `${name}: ${f.path} is secret, so no group or other bits`);
        assert.ok(f.path.startsWith('/etc/gardenos/secrets/') || f.path.startsWith('/etc/gardenos/tls/'), f.path);
      }
    }
    assert.ok(tls.key.includes('PRIVATE KEY'), 'the fixture key is a real PEM key');
  });

  test('each service reads only env files the bundle has, and every secret env file parses', () => {
    for (const [name, bundle] of all) {
      const paths = new Set(bundle.files.map((f) => f.path));
      for (const s of bundle.services)
        for (const e of s.environmentFiles) assert.ok(paths.has(e), `${name}: ${s.name} needs ${e}`);
      for (const f of bundle.files.filter((x) => x.path.startsWith('/etc/gardenos/secrets/'))) {
        assert.ok(Object.keys(parseEnvFile(f.content)).length > 0, f.path);
      }
    }
  });

  test('services follow the roles, in start order; restarts name services of the host', () => {
    const names = (b: HostBundle) => b.services.map((s) => s.name);
    const byName = new Map(all);
    assert.deepEqual(names(byName.get('journal/s1')!), [
      'gardenos-etcd',
      'gardenos-patroni',
      'gardenos-haproxy',
      'gardenos-pgbouncer',
      'gardenos-router',
      'gardenos-pgbackrest',
      // s1 is the first haproxy host: Prometheus runs there, beside the exporters every postgres host has.
      'gardenos-postgres-exporter',
      'gardenos-exporter',
      'gardenos-prometheus',
      'k3s',
    ]);
    assert.deepEqual(names(byName.get('split/e1')!), ['gardenos-etcd', 'k3s']);
    assert.deepEqual(names(byName.get('split/e3')!), [
      'gardenos-etcd',
      'gardenos-haproxy',
      'gardenos-pgbouncer',
      'gardenos-router',
      'gardenos-prometheus',
    ]);
    assert.deepEqual(names(byName.get('split/p1')!), [
      'gardenos-patroni',
      'gardenos-postgres-exporter',
      'gardenos-exporter',
    ]);
    assert.deepEqual(names(byName.get('split/p2')!), [
      'gardenos-patroni',
      'gardenos-haproxy',
      'gardenos-pgbouncer',
      'gardenos-router',
      'gardenos-postgres-exporter',
      'gardenos-exporter',
    ]);
    for (const [name, bundle] of all) {
      const services = new Set(names(bundle));
      for (const f of bundle.files)
        for (const r of f.restarts) assert.ok(services.has(r), `${name}: ${f.path} restarts unknown ${r}`);
      // Every TLS key copy belongs to a service that runs here.
      const keys = bundle.files.filter((f) => f.path.endsWith('.key')).map((f) => f.path);
      assert.equal(keys.length, new Set(keys).size);
    }
    const p1Keys = byName
      .get('split/p1')!
      .files.filter((f) => f.path.startsWith('/etc/gardenos/tls/'))
      .map((f) => f.path);
    assert.deepEqual(p1Keys, [
      HOST_PATHS.tls.ca,
      HOST_PATHS.tls.cert,
      HOST_PATHS.tls.endpointCert,
      HOST_PATHS.tls.endpointKey,
      HOST_PATHS.tls.key('postgres'),
    ]);
    const noRouter = hostsSpec(THREE_HOSTS_YAML + 'router: { enabled: false }\npooler: { enabled: false }\n');
    assert.ok(!names(renderHost(noRouter, hostOf(noRouter, 's1'), fixtureInput('s1'))).includes('gardenos-router'));
    const noPooler = hostsSpec(THREE_HOSTS_YAML + 'pooler: { enabled: false }\n');
    const withoutPooler = renderHost(noPooler, hostOf(noPooler, 's1'), fixtureInput('s1'));
    assert.ok(!names(withoutPooler).includes('gardenos-pgbouncer'));
    assert.ok(!withoutPooler.files.some((f) => f.path.includes('pgbouncer')));
  });

  test('one fact, two renderings: services.json has the same exec, user and environment as each unit', () => {
    for (const [name, bundle] of all) {
      const manifest = JSON.parse(
        bundle.files.find((f) => f.path === HOST_PATHS.servicesManifest)!.content,
      ) as ServicesManifest;
      assert.equal(manifest.format, 1);
      assert.deepEqual(
        manifest.services.map((s) => s.name),
        bundle.services.map((s) => s.name),
      );
      for (const [i, s] of bundle.services.entries()) {
        const entry = manifest.services[i]!;
        assert.deepEqual(
          [entry.exec, entry.user, entry.group, entry.environment, entry.environmentFiles],
          [s.exec, s.user, s.group, s.environment, s.environmentFiles],
        );
        if (s.unit !== 'own') continue;
        const unit = bundle.files.find((f) => f.path === HOST_PATHS.unit(s.name))!.content.split('\n');
        assert.ok(unit.includes(`User=${s.user}`), `${name}: ${s.name}`);
        const execLine = unit.find((l) => l.startsWith('ExecStart='));
        assert.equal(execLine, `ExecStart=${s.exec.join(' ')}`, `${name}: ${s.name} (no word here needs quoting)`);
        for (const file of s.environmentFiles) assert.ok(unit.includes(`EnvironmentFile=${file}`));
      }
    }
  });

  test('programs can be pointed elsewhere (the lab runs gardenos from its checkout)', () => {
    const bundle = renderHost(journal, hostOf(journal, 's1'), {
      ...fixtureInput('s1'),
      programs: { gardenos: '/work/main/bin/gardenos.js' },
    });
    assert.ok(bundle.services.find((s) => s.name === 'gardenos-router')!.exec.includes('/work/main/bin/gardenos.js'));
  });

  test('a host that is not in the spec is refused', () => {
    assert.throws(() => renderHost(journal, hostOf(split, 'e1'), fixtureInput('e1')), /not a host of this spec/);
  });
});
