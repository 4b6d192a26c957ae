// The systemd renderings of HostService, and `systemd-analyze verify` on every unit a host gets.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { requireBinary } from '../../../test/support/processes.js';
import { fixtureInput, hostOf, hostsSpec, SPLIT_ROLES_YAML, THREE_HOSTS_YAML } from './fixtures.js';
import { renderHost } from './bundle.js';
import type { HostService } from './model.js';
import { renderSystemdDropIn, renderSystemdUnit, systemdWord } from './systemd.js';

const service = (over: Partial<HostService> = {}): HostService => ({
  name: 'gardenos-x',
  description: 'x',
  user: 'nobody',
  group: 'nogroup',
  exec: ['/bin/true'],
  environmentFiles: [],
  environment: {},
  after: [],
  wants: [],
  restart: { policy: 'always', delaySec: 1 },
  limits: { noFile: 1024 },
  stop: { timeoutSec: 5, mainProcessOnly: false },
  directories: [],
  logFile: '/var/log/gardenos/x.log',
  unit: 'own',
  ...over,
});

const lines = (text: string) => text.split('\n');

describe('systemdWord', () => {
  test('plain words stay as they are; specifiers and variables are escaped; the rest is quoted', () => {
    assert.equal(
      systemdWord('--etcd=https://10.0.0.1:2379,https://10.0.0.2:2379'),
      '--etcd=https://10.0.0.1:2379,https://10.0.0.2:2379',
    );
    assert.equal(systemdWord('100%'), '100%%');
    assert.equal(systemdWord('$HOME'), '"$$HOME"');
    assert.equal(systemdWord('a b'), '"a b"');
    assert.equal(systemdWord('say "hi"\\'), '"say \\"hi\\"\\\\"');
  });
});

describe('renderSystemdUnit', () => {
  test('exec, user, env files, environment, restart, limits and directories as systemd keys', () => {
    const unit = lines(
      renderSystemdUnit(
        service({
          exec: ['/usr/bin/thing', '--flag=1', 'two words'],
          environmentFiles: ['/etc/gardenos/secrets/x.env'],
          environment: { LANG: 'C.UTF-8' },
          after: ['network-online.target'],
          wants: ['network-online.target'],
          workingDirectory: '/var/lib/gardenos/x',
          stop: { timeoutSec: 120, mainProcessOnly: true },
          directories: [
            { path: '/var/lib/gardenos/x', mode: 0o700 },
            { path: '/run/gardenos/x', mode: 0o755 },
            { path: '/var/log/gardenos/x', mode: 0o750 },
          ],
        }),
      ),
    );
    for (const expected of [
      'After=network-online.target',
      'Wants=network-online.target',
      'User=nobody',
      'Group=nogroup',
      'WorkingDirectory=/var/lib/gardenos/x',
      'EnvironmentFile=/etc/gardenos/secrets/x.env',
      'Environment=LANG=C.UTF-8',
      'ExecStart=/usr/bin/thing --flag=1 "two words"',
      'Restart=always',
      'RestartSec=1',
      'LimitNOFILE=1024',
      'TimeoutStopSec=120',
      'KillMode=process',
      'StateDirectory=gardenos/x',
      'StateDirectoryMode=0700',
      'RuntimeDirectory=gardenos/x',
      'RuntimeDirectoryMode=0755',
      'RuntimeDirectoryPreserve=yes',
      'LogsDirectory=gardenos/x',
      'LogsDirectoryMode=0750',
      'WantedBy=multi-user.target',
    ])
      assert.ok(unit.includes(expected), `unit has ${expected}`);
  });

  test('directories of one kind with different modes, or outside the three roots, are refused', () => {
    assert.throws(
      () =>
        renderSystemdUnit(
          service({
            directories: [
              { path: '/run/gardenos/a', mode: 0o755 },
              { path: '/run/gardenos/b', mode: 0o700 },
            ],
          }),
        ),
      /one mode/,
    );
    assert.throws(() => renderSystemdUnit(service({ directories: [{ path: '/opt/x', mode: 0o755 }] })), /not under/);
  });

  test('a drop-in carries ordering and environment only, never exec or limits', () => {
    const dropIn = renderSystemdDropIn(
      service({
        unit: 'drop-in',
        environmentFiles: ['/etc/gardenos/secrets/k3s.env'],
        after: ['gardenos-etcd.service'],
      }),
    );
    assert.ok(lines(dropIn).includes('EnvironmentFile=/etc/gardenos/secrets/k3s.env'));
    assert.ok(lines(dropIn).includes('After=gardenos-etcd.service'));
    assert.doesNotMatch(dropIn, /ExecStart|Limit|User=|Restart|Description/);
    assert.throws(() => renderSystemdUnit(service({ unit: 'drop-in' })), /drop-in/);
    assert.throws(() => renderSystemdDropIn(service()), /own unit/);
  });
});

function verify(files: string[], debug = false): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      requireBinary('systemd-analyze', 'sudo apt-get install -y systemd'),
      ['verify', '--man=no', ...files],
      { timeout: 60_000, env: { ...process.env, ...(debug ? { SYSTEMD_LOG_LEVEL: 'debug' } : {}) } },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe('systemd-analyze verify accepts every rendered unit (ExecStart binaries from `gardenos setup`)', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  // The router's ExecStart is node; Patroni's is the python3 that runs Debian's patroni script.
  const programs = { node: process.execPath };

  for (const [name, yaml, hosts] of [
    ['three hybrid hosts', THREE_HOSTS_YAML, ['s1']],
    ['split roles', SPLIT_ROLES_YAML, ['e1', 'e3', 'p1', 'p2']],
  ] as const) {
    for (const hostName of hosts) {
      test(`${name}: ${hostName}`, async () => {
        const spec = hostsSpec(yaml);
        const bundle = renderHost(spec, hostOf(spec, hostName), { ...fixtureInput(hostName), programs });
        const dir = mkdtempSync(join(tmpdir(), 'gardenos-units-'));
        dirs.push(dir);
        const units: string[] = [];
        for (const f of bundle.files.filter((x) => x.path.startsWith('/etc/systemd/system/'))) {
          const rel = f.path.slice('/etc/systemd/system/'.length);
          mkdirSync(join(dir, dirname(rel)), { recursive: true });
          writeFileSync(join(dir, rel), f.content);
          if (rel.endsWith('.service')) units.push(join(dir, rel));
        }
        const dropIns = bundle.files.filter((f) => f.path.endsWith('.service.d/gardenos.conf'));
        for (const d of dropIns) {
          // K3s's own unit is not ours: a minimal stand-in, so the drop-in is checked against something.
          const unitName = basename(dirname(d.path)).replace(/\.d$/, '');
          writeFileSync(
            join(dir, unitName),
            '[Unit]\nDescription=stand-in\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n',
          );
          units.push(join(dir, unitName));
        }
        assert.equal(units.length, bundle.services.length, 'one unit (or stand-in with a drop-in) per service');
        const { code, output } = await verify(units);
        assert.equal(code, 0, `systemd-analyze verify failed:\n${output}`);
        assert.equal(output.trim(), '', 'no warnings either');
        if (dropIns.length > 0) {
          const debug = await verify(
            units.filter((u) => !basename(u).startsWith('gardenos-')),
            true,
          );
          assert.match(debug.output, /DropIn Path: \S*k3s\.service\.d\/gardenos\.conf/, 'systemd loads the drop-in');
        }
      });
    }
  }
});
