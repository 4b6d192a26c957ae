// The render command through main(): files, modes, determinism on disk, no secret on the screen, exit codes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from '../../../test/support/main-in-process.js';
import { k8sSpecWithEtcdTls } from '../../render/k8s/fixtures.js';
import { THREE_HOSTS_YAML } from '../../render/hosts/fixtures.js';

const run = runMain;

describe('gardenos render --target k8s', () => {
  test('writes the manifests and a 0600 secrets file, the same bytes twice, and never prints a secret', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gardenos-render-'));
    writeFileSync(join(cwd, 'gardenos.yaml'), `${k8sSpecWithEtcdTls(cwd)}supabase: { enabled: true }\n`);
    const first = await run(['render', '--target', 'k8s', '--out', 'm'], cwd);
    assert.equal(first.code, 0, first.err);
    const dir = join(cwd, 'm');
    const snapshot = () => Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
    const before = snapshot();
    assert.ok('kustomization.yaml' in before && 'postgres.yaml' in before && 'supabase-auth.yaml' in before);
    assert.equal(statSync(join(dir, '.secrets.json')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'secrets.yaml')).mode & 0o777, 0o600);
    const secrets = JSON.parse(before['.secrets.json']!) as {
      postgres: Record<string, string>;
      supabase: { jwtSecret: string };
    };
    for (const v of [...Object.values(secrets.postgres), secrets.supabase.jwtSecret]) {
      assert.ok(!first.out.includes(v) && !first.err.includes(v), 'a secret was printed');
    }
    const second = await run(['render', '--target', 'k8s', '--out', 'm'], cwd);
    assert.equal(second.code, 0);
    assert.match(second.out, /0 written, 11 unchanged/);
    assert.deepEqual(snapshot(), before);
  });

  test('a missing target or etcd endpoints exits 2 with a hint', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gardenos-render-'));
    const noTarget = await run(['render'], cwd);
    assert.equal(noTarget.code, 2);
    assert.match(noTarget.err, /USAGE.*\n\s+fix: use `gardenos render --target k8s/);
    const noEtcd = await run(['render', '--target', 'k8s'], cwd);
    assert.equal(noEtcd.code, 2);
    assert.match(noEtcd.err, /RENDER_INPUT.*etcdEndpoints is empty/);
    assert.deepEqual(readdirSync(cwd), [], 'a refused render leaves no secrets file behind');
  });
});

describe('gardenos render --target k8s with etcd over https (the default)', () => {
  test('the client certificate files must be named, readable and PEM; a refusal writes nothing', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gardenos-render-tls-'));
    writeFileSync(join(cwd, 'gardenos.yaml'), 'k8s:\n  etcdEndpoints: [etcd1.internal:2379]\n');
    const unnamed = await run(['render', '--target', 'k8s', '--out', 'm'], cwd);
    assert.equal(unnamed.code, 2);
    assert.match(
      unnamed.err,
      /RENDER_INPUT.*k8s\.etcdClientTls names no client certificate[^]*fix: set k8s: \{ etcdClientTls/,
    );
    const spec = k8sSpecWithEtcdTls(cwd);
    writeFileSync(join(cwd, 'gardenos.yaml'), spec.replace('etcd-client.key', 'missing.key'));
    const missing = await run(['render', '--target', 'k8s', '--out', 'm'], cwd);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /k8s\.etcdClientTls\.keyFile names .*missing\.key, which cannot be read/);
    writeFileSync(join(cwd, 'der.key'), Buffer.from([0x30, 0x82, 0x01]));
    writeFileSync(join(cwd, 'gardenos.yaml'), spec.replace('etcd-client.key', 'der.key'));
    const der = await run(['render', '--target', 'k8s', '--out', 'm'], cwd);
    assert.equal(der.code, 2);
    assert.match(der.err, /der\.key is not a PEM file/);
    assert.ok(!readdirSync(cwd).includes('m'), 'no manifests for a refused render');
  });
});

describe('gardenos render --target hosts', () => {
  /** A cwd with the three-host journal spec, its state dir inside the cwd. */
  function hostsCwd(): string {
    const cwd = mkdtempSync(join(tmpdir(), 'gardenos-render-hosts-'));
    writeFileSync(join(cwd, 'gardenos.yaml'), `${THREE_HOSTS_YAML}local: { stateDir: ${join(cwd, 'state')} }\n`);
    return cwd;
  }
  /** Every file under dir, relative path -> bytes. */
  function tree(dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (rel: string) => {
      for (const name of readdirSync(join(dir, rel))) {
        const path = join(rel, name);
        if (statSync(join(dir, path)).isDirectory()) walk(path);
        else out[path] = readFileSync(join(dir, path), 'utf8');
      }
    };
    walk('');
    return out;
  }

  test('writes <host>/<path on the host> and services.txt, the same bytes twice, no secret file and no secret anywhere', async () => {
    const cwd = hostsCwd();
    const first = await run(['render', '--target', 'hosts', '--out', 'h'], cwd);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /3 hosts \(s1, s2, s3\)/);
    assert.match(first.out, /Secret files: \d+ not written .*--with-secrets/s);
    const out = join(cwd, 'h');
    const before = tree(out);
    for (const host of ['s1', 's2', 's3']) {
      for (const path of [
        'etc/gardenos/patroni/patroni.yml',
        'etc/gardenos/haproxy/haproxy.cfg',
        'etc/gardenos/services.json',
        'etc/systemd/system/gardenos-etcd.service',
        'etc/rancher/k3s/config.yaml',
        'etc/systemd/system/k3s.service.d/gardenos.conf',
        'etc/gardenos/tls/ca.crt',
        'services.txt',
      ]) {
        assert.ok(`${host}/${path}` in before, `${host}/${path}`);
      }
    }
    assert.ok(
      !Object.keys(before).some((p) => p.includes('/secrets/') || p.endsWith('.key')),
      'no secret file without --with-secrets',
    );
    const secrets = JSON.parse(readFileSync(join(cwd, 'state', 'hosts', 'secrets.json'), 'utf8')) as Record<
      string,
      string
    >;
    assert.equal(statSync(join(cwd, 'state', 'hosts', 'secrets.json')).mode & 0o777, 0o600);
    for (const v of Object.values(secrets)) {
      assert.ok(!first.out.includes(v) && !first.err.includes(v), 'a secret was printed');
      for (const [path, text] of Object.entries(before)) assert.ok(!text.includes(v), `${path} holds a secret`);
    }
    const second = await run(['render', '--target', 'hosts', '--out', 'h'], cwd);
    assert.equal(second.code, 0, second.err);
    assert.match(second.out, / 0 written, \d+ unchanged/);
    assert.match(second.out, /Certificates: reused/);
    assert.deepEqual(tree(out), before, 'byte-identical');
  });

  test('--with-secrets adds the secret files at 0600; a render without it removes them again', async () => {
    const cwd = hostsCwd();
    const withSecrets = await run(['render', '--target', 'hosts', '--out', 'h', '--with-secrets'], cwd);
    assert.equal(withSecrets.code, 0, withSecrets.err);
    assert.match(withSecrets.out, /Secret files .* are included, mode 0600/);
    const env = join(cwd, 'h', 's1', 'etc', 'gardenos', 'secrets', 'patroni.env');
    assert.equal(statSync(env).mode & 0o777, 0o600);
    assert.equal(statSync(join(cwd, 'h', 's1', 'etc', 'gardenos', 'tls', 'postgres.key')).mode & 0o777, 0o600);
    const secrets = JSON.parse(readFileSync(join(cwd, 'state', 'hosts', 'secrets.json'), 'utf8')) as Record<
      string,
      string
    >;
    assert.match(
      readFileSync(env, 'utf8'),
      new RegExp(`^PATRONI_SUPERUSER_PASSWORD=${secrets.superuserPassword}$`, 'm'),
    );
    const without = await run(['render', '--target', 'hosts', '--out', 'h'], cwd);
    assert.equal(without.code, 0, without.err);
    assert.match(without.out, /stale removed/);
    assert.ok(!Object.keys(tree(join(cwd, 'h'))).some((p) => p.includes('/secrets/') || p.endsWith('.key')));
  });

  test('a spec without hosts is refused in one paragraph, exit 2, and nothing is written', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gardenos-render-hosts-'));
    const refused = await run(['render', '--target', 'hosts', '--out', 'h', '--state-dir', join(cwd, 'state')], cwd);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /RENDER_INPUT.*no hosts section.*\n\s+fix: add a hosts section/);
    assert.deepEqual(readdirSync(cwd), []);
    const mixed = await run(['render', '--target', 'k8s', '--with-secrets'], cwd);
    assert.equal(mixed.code, 2);
    assert.match(mixed.err, /USAGE.*--with-secrets is an option of --target hosts/);
  });
});
