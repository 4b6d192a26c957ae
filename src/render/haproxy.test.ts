// Unit tests of the haproxy.cfg renderer, and `haproxy -c` on its output.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpec, type Spec } from '../spec/index.js';
import { GENERATED_HEADER, localTopology, renderHaproxyConfig } from './index.js';
import { requireBinary as requireInstalled } from '../../test/support/processes.js';

const INSTALL = 'sudo apt-get install -y haproxy patroni etcd-server etcd-client';

function specFrom(text: string): Spec {
  return loadSpec(text, { source: 'test', defaultStateDir: (name) => `/srv/${name}` });
}

function render(spec: Spec, adminSocket = '/srv/run/haproxy.sock'): string {
  return renderHaproxyConfig({ spec, topology: localTopology(spec), adminSocket, host: spec.local.bindAddress });
}

/** Section header ("global", "listen primary", ...) -> its trimmed body lines. */
function sections(cfg: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of cfg.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    if (/^\S/.test(line)) {
      current = [];
      out.set(line.trim(), current);
    } else {
      assert.ok(current, `indented line before any section: ${line}`);
      current.push(line.trim());
    }
  }
  return out;
}

function section(cfg: string, header: string): string[] {
  const body = sections(cfg).get(header);
  assert.ok(body, `haproxy.cfg has a "${header}" section`);
  return body;
}

/** The absolute path of `name`; a missing validator fails the test, never skips it. */
const requireBinary = (name: string): string => requireInstalled(name, INSTALL);

function run(file: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

describe('renderHaproxyConfig', () => {
  test('is deterministic and starts with the generated header', () => {
    const spec = specFrom('');
    assert.equal(render(spec), render(spec));
    assert.equal(render(spec).split('\n')[0], `# ${GENERATED_HEADER}`);
  });

  test('the primary port checks Patroni /primary on every node', () => {
    const spec = specFrom('');
    const primary = section(render(spec), 'listen primary');
    assert.ok(primary.includes('bind 127.0.0.1:15400'));
    assert.ok(primary.includes('option httpchk OPTIONS /primary'));
    assert.ok(primary.includes('http-check expect status 200'));
    assert.ok(!primary.some((l) => l.includes('/replica')));
    assert.deepEqual(
      primary.filter((l) => l.startsWith('server ')),
      [
        'server pg1 127.0.0.1:15430 maxconn 100 check port 15440',
        'server pg2 127.0.0.1:15431 maxconn 100 check port 15441',
        'server pg3 127.0.0.1:15432 maxconn 100 check port 15442',
      ],
    );
  });

  test('the replica port checks Patroni /replica and balances round-robin', () => {
    const replicas = section(render(specFrom('')), 'listen replicas');
    assert.ok(replicas.includes('bind 127.0.0.1:15401'));
    assert.ok(replicas.includes('option httpchk OPTIONS /replica'));
    assert.ok(replicas.includes('balance roundrobin'));
    assert.ok(!replicas.some((l) => l.includes('/primary')));
    assert.equal(replicas.filter((l) => l.startsWith('server ')).length, 3);
  });

  test('a node marked down has its sessions cut, so clients never keep writing to a demoted primary', () => {
    const cfg = render(specFrom('haproxy: { checkIntervalMs: 3000, fall: 4, rise: 3 }\n'));
    for (const header of ['listen primary', 'listen replicas']) {
      const defaults = section(cfg, header).find((l) => l.startsWith('default-server '));
      assert.ok(defaults, `${header} has a default-server line`);
      assert.match(defaults, /\bon-marked-down shutdown-sessions\b/);
      assert.match(defaults, /\binter 3000ms fastinter 750ms downinter 750ms fall 4 rise 3\b/);
    }
  });

  test('fastinter never goes below 100ms', () => {
    const defaults = section(render(specFrom('haproxy: { checkIntervalMs: 150 }\n')), 'listen primary').find((l) =>
      l.startsWith('default-server '),
    );
    assert.match(defaults ?? '', /\bfastinter 100ms\b/);
  });

  test('has a stats listener and an admin-level runtime socket', () => {
    const cfg = render(specFrom('haproxy: { statsPort: 30002 }\n'), '/srv/run/admin.sock');
    const stats = section(cfg, 'listen stats');
    assert.ok(stats.includes('mode http'));
    assert.ok(stats.includes('bind 127.0.0.1:30002'));
    assert.ok(stats.includes('stats enable'));
    assert.ok(section(cfg, 'global').includes('stats socket /srv/run/admin.sock mode 600 level admin'));
  });

  test('binds the spec bind address and explicit node ports', () => {
    const spec = specFrom(
      ['nodes:', '  - { name: alpha, pgPort: 31000, apiPort: 31100 }', 'local: { bindAddress: 127.0.0.7 }', ''].join(
        '\n',
      ),
    );
    const primary = section(render(spec), 'listen primary');
    assert.ok(primary.includes('bind 127.0.0.7:15400'));
    assert.ok(primary.includes('server alpha 127.0.0.7:31000 maxconn 100 check port 31100'));
  });
});

describe('haproxy -c accepts the rendered haproxy.cfg', () => {
  const dirs: string[] = [];
  after(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  const specs: [string, string][] = [
    ['the defaults', ''],
    [
      'one node, fast checks, custom ports',
      'nodes: 1\nhaproxy: { primaryPort: 31000, replicaPort: 31001, checkIntervalMs: 150, fall: 1, rise: 5 }\n',
    ],
    [
      'nine named nodes on another address',
      'nodes: 9\nname: orchard\nlocal: { bindAddress: 127.0.0.3, basePort: 40000 }\n',
    ],
  ];
  for (const [name, text] of specs) {
    test(name, async () => {
      const haproxy = requireBinary('haproxy');
      const dir = await mkdtemp(join(tmpdir(), 'gardenos-haproxy-'));
      dirs.push(dir);
      const file = join(dir, 'haproxy.cfg');
      await writeFile(file, render(specFrom(text), join(dir, 'admin.sock')));
      const { code, output } = await run(haproxy, ['-c', '-f', file]);
      assert.equal(code, 0, `haproxy -c -f ${file} failed:\n${output}`);
      assert.doesNotMatch(output, /\[WARNING\]/, 'no warnings either');
    });
  }
});
