// haproxy.cfg of a host: Patroni checked over https on every postgres host, stats behind an env
// password, the K3s API frontend; and `haproxy -c` on the rendered file.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from '../../../test/support/processes.js';
import { FAKE_SECRETS, fixtureTls, hostOf, hostsSpec, SPLIT_ROLES_YAML, THREE_HOSTS_YAML } from './fixtures.js';
import { renderHaproxyFiles, renderHostHaproxyConfig, STATS_PASSWORD_VAR } from './haproxy.js';
import { parseEnvFile } from './env-file.js';
import { HOST_PATHS } from './paths.js';

/** Section header -> trimmed body lines. */
function sections(cfg: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of cfg.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    if (/^\S/.test(line)) out.set(line.trim(), (current = []));
    else current.push(line.trim());
  }
  return out;
}

const journal = hostsSpec(THREE_HOSTS_YAML);
const cfg = renderHostHaproxyConfig(journal, hostOf(journal, 's2'));
const section = (name: string, text = cfg) => {
  const body = sections(text).get(name);
  assert.ok(body, `has ${name}`);
  return body;
};

describe('host haproxy.cfg', () => {
  test('primary and replica ports on the private address balance every postgres host, checked over https with the CA', () => {
    for (const [name, port, path] of [
      ['listen primary', 5000, '/primary'],
      ['listen replicas', 5001, '/replica'],
    ] as const) {
      const body = section(name);
      assert.ok(body.includes(`bind 10.20.0.12:${port}`));
      assert.ok(body.includes(`option httpchk OPTIONS ${path}`));
      assert.match(body.find((l) => l.startsWith('default-server')) ?? '', /on-marked-down shutdown-sessions/);
      assert.deepEqual(
        body.filter((l) => l.startsWith('server ')),
        [1, 2, 3].map(
          (i) =>
            `server s${i} 10.20.0.1${i}:5432 maxconn 100 check port 8008 check-ssl verify required ca-file ${HOST_PATHS.tls.ca}`,
        ),
      );
    }
  });

  test('stats on the private address with the password read from the environment; the admin socket under /run/gardenos', () => {
    const stats = section('listen stats');
    assert.ok(stats.includes('bind 10.20.0.12:7000'));
    assert.ok(stats.includes(`stats auth "admin:\${${STATS_PASSWORD_VAR}}"`));
    assert.ok(section('global').includes(`stats socket ${HOST_PATHS.haproxy.adminSocket} mode 600 level admin`));
    assert.ok(HOST_PATHS.haproxy.adminSocket.startsWith('/run/gardenos/'));
  });

  test('the K3s API frontend balances every k3s-server host at serverPort with TCP checks', () => {
    const k3s = section('listen k3s-api');
    assert.ok(k3s.includes('mode tcp'));
    assert.ok(k3s.includes('bind :6443'));
    assert.deepEqual(
      k3s.filter((l) => l.startsWith('server ')),
      [1, 2, 3].map((i) => `server s${i} 10.20.0.1${i}:6444 check`),
    );
    const split = hostsSpec(SPLIT_ROLES_YAML);
    const splitK3s = section('listen k3s-api', renderHostHaproxyConfig(split, hostOf(split, 'e3')));
    assert.deepEqual(
      splitK3s.filter((l) => l.startsWith('server ')),
      ['server e1 10.30.0.1:6444 check', 'server e2 10.30.0.2:6444 check'],
    );
    const splitPrimary = section('listen primary', renderHostHaproxyConfig(split, hostOf(split, 'e3')));
    assert.deepEqual(
      splitPrimary.filter((l) => l.startsWith('server ')).map((l) => l.split(' ')[1]),
      ['p1', 'p2'],
      'only postgres hosts',
    );
  });

  test('without k3s (k3s.enabled false) there is no K3s frontend', () => {
    const spec = hostsSpec(THREE_HOSTS_YAML + 'k3s: { enabled: false }\n');
    assert.equal(sections(renderHostHaproxyConfig(spec, hostOf(spec, 's1'))).has('listen k3s-api'), false);
  });

  test('the stats password is only in the secret env file', () => {
    const files = renderHaproxyFiles(journal, hostOf(journal, 's1'), FAKE_SECRETS);
    const env = files.find((f) => f.path === HOST_PATHS.secrets.haproxy);
    assert.ok(env?.secret && env.mode === 0o600);
    assert.deepEqual(parseEnvFile(env.content), { [STATS_PASSWORD_VAR]: FAKE_SECRETS.haproxyStatsPassword });
    assert.ok(!cfg.includes(FAKE_SECRETS.haproxyStatsPassword));
  });
});

describe('haproxy -c accepts the rendered haproxy.cfg (with the env var set)', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  for (const [name, yaml, host] of [
    ['three hybrid hosts', THREE_HOSTS_YAML, 's1'],
    ['split roles', SPLIT_ROLES_YAML, 'e3'],
  ] as const) {
    test(name, async () => {
      const haproxy = requireBinary('haproxy', 'sudo apt-get install -y haproxy');
      const dir = mkdtempSync(join(tmpdir(), 'gardenos-hosts-haproxy-'));
      dirs.push(dir);
      const spec = hostsSpec(yaml);
      // The CA file must exist for `ca-file`; /etc/gardenos and /run/gardenos are moved under the temp dir.
      writeFileSync(join(dir, 'ca.crt'), fixtureTls(host).caCert);
      const text = renderHostHaproxyConfig(spec, hostOf(spec, host))
        .replaceAll(HOST_PATHS.tls.ca, join(dir, 'ca.crt'))
        .replaceAll(HOST_PATHS.haproxy.adminSocket, join(dir, 'admin.sock'));
      const file = join(dir, 'haproxy.cfg');
      writeFileSync(file, text);
      const result = await new Promise<{ code: number; output: string }>((resolve) => {
        execFile(
          haproxy,
          ['-c', '-f', file],
          { timeout: 30_000, env: { ...process.env, [STATS_PASSWORD_VAR]: FAKE_SECRETS.haproxyStatsPassword } },
          (err, stdout, stderr) =>
            resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: `${stdout}${stderr}` }),
        );
      });
      assert.equal(result.code, 0, `haproxy -c -f ${file} failed:\n${result.output}`);
      assert.doesNotMatch(result.output, /\[WARNING\]|\[ALERT\]/, 'no warnings either');
    });
  }
});
