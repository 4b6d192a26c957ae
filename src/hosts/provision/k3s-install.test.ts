// K3s servers come up one at a time, each ready before the next; a converged server is left alone.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ExecResult, HostShell } from '../ssh.js';
import {
  K3S_ACTIVE_CHECK,
  K3S_READY_CHECK,
  K3S_START_SCRIPT,
  installK3sServers,
  k3sAtVersion,
  k3sInstallScript,
} from './k3s-install.js';

const VERSION = 'v1.31.4+k3s1';

/** A host that answers the K3s step's commands from a little state machine, and logs them in `log`. */
function fakeHost(
  name: string,
  log: string[],
  o: { installed?: boolean; active?: boolean; readyAfter?: number; installFails?: boolean },
) {
  let installed = o.installed ?? false;
  let active = o.active ?? false;
  let readyPolls = 0;
  const ok = (stdout = ''): ExecResult => ({ code: 0, stdout, stderr: '' });
  const shell = {
    target: { name, address: `10.0.0.${log.length}`, port: 22, user: 'root' },
    hostKey: '',
    hostKeyFingerprint: '',
    hostKeyIsNew: false,
    async exec(cmd: string): Promise<ExecResult> {
      if (cmd === k3sInstallScript(VERSION)) {
        log.push(`${name}: install`);
        if (o.installFails) return { code: 1, stdout: '', stderr: 'curl: (6) Could not resolve host: get.k3s.io' };
        if (installed) return ok('k3s=already\n');
        installed = true;
        return ok('k3s=installed\n');
      }
      if (cmd === K3S_ACTIVE_CHECK) return { ...ok(), code: active ? 0 : 3 };
      if (cmd === K3S_START_SCRIPT) {
        log.push(`${name}: start`);
        active = true;
        return ok();
      }
      if (cmd === K3S_READY_CHECK) {
        if (!active) return { code: 1, stdout: '', stderr: 'connection refused' };
        readyPolls++;
        if (readyPolls < (o.readyAfter ?? 1)) return { code: 1, stdout: '', stderr: 'etcd not ready' };
        log.push(`${name}: ready`);
        return ok('ok');
      }
      throw new Error(`unexpected command on ${name}: ${cmd}`);
    },
    readFile: async () => undefined,
    writeFile: async () => false,
    close: async () => undefined,
  } satisfies HostShell;
  return shell;
}

describe('K3s servers on systemd hosts', () => {
  it('installs and starts them one at a time, each ready before the next one starts', async () => {
    const log: string[] = [];
    const reports: string[] = [];
    const servers = ['s1', 's2', 's3'].map((n) => ({
      name: n,
      shell: fakeHost(n, log, { readyAfter: 3 }),
      changed: true,
    }));
    const changes = await installK3sServers(servers, {
      version: VERSION,
      report: (l) => reports.push(l),
      timeoutMs: 5000,
      pollMs: 1,
    });
    assert.deepEqual(log, [
      's1: install',
      's1: start',
      's1: ready',
      's2: install',
      's2: start',
      's2: ready',
      's3: install',
      's3: start',
      's3: ready',
    ]);
    assert.deepEqual(changes.get('s2'), [`installed K3s ${VERSION}`, 'started k3s']);
    assert.match(reports[0]!, /s1 installed K3s .*, started k3s K3s v1\.31\.4\+k3s1, API ready \(the first server/);
  });

  it('leaves a server at the pinned version alone, and restarts one whose files changed', async () => {
    const log: string[] = [];
    const changes = await installK3sServers(
      [
        { name: 's1', shell: fakeHost('s1', log, { installed: true, active: true }), changed: false },
        { name: 's2', shell: fakeHost('s2', log, { installed: true, active: true }), changed: true },
      ],
      { version: VERSION, report: () => undefined, timeoutMs: 5000, pollMs: 1 },
    );
    assert.deepEqual(changes.get('s1'), []);
    assert.deepEqual(changes.get('s2'), ['restarted k3s']);
    assert.deepEqual(log, ['s1: install', 's1: ready', 's2: install', 's2: start', 's2: ready']);
  });

  it('stops at the first server that fails, naming the ones that did not get K3s yet', async () => {
    const log: string[] = [];
    await assert.rejects(
      installK3sServers(
        [
          { name: 's1', shell: fakeHost('s1', log, { installFails: true }), changed: true },
          { name: 's2', shell: fakeHost('s2', log, {}), changed: true },
        ],
        { version: VERSION, report: () => undefined, timeoutMs: 5000, pollMs: 1 },
      ),
      (err: Error & { code?: string; leftBehind?: string }) =>
        err.code === 'HOST_COMMAND_FAILED' &&
        /K3s on host "s1": the K3s installer failed \(exit 1\): curl: \(6\)/.test(err.message) &&
        /s2 did not get K3s yet/.test(err.leftBehind ?? ''),
    );
    assert.deepEqual(log, ['s1: install']);
  });

  it('a server whose API never gets ready fails within its timeout with the last answer', async () => {
    const log: string[] = [];
    await assert.rejects(
      installK3sServers([{ name: 's1', shell: fakeHost('s1', log, { readyAfter: 1e9 }), changed: true }], {
        version: VERSION,
        report: () => undefined,
        timeoutMs: 50,
        pollMs: 5,
      }),
      /did not report ready within 0 s \(last answer: etcd not ready\)/,
    );
  });

  it('the version test matches exactly the pinned release, run by sh against a stand-in k3s', () => {
    const bin = mkdtempSync(join(tmpdir(), 'gardenos-k3s-'));
    writeFileSync(
      join(bin, 'k3s'),
      '#!/bin/sh\necho "k3s version v1.31.4+k3s1 (a562d090)"\necho "go version go1.22"\n',
    );
    chmodSync(join(bin, 'k3s'), 0o755);
    const at = (v: string) => {
      try {
        execFileSync('sh', ['-c', k3sAtVersion(v)], { env: { PATH: `${bin}:/usr/bin:/bin` } });
        return true;
      } catch {
        return false;
      }
    };
    assert.equal(at('v1.31.4+k3s1'), true);
    assert.equal(at('v1.31.4+k3s2'), false);
    assert.equal(at('v1.31.4'), false);
    const out = execFileSync('sh', ['-c', k3sInstallScript('v1.31.4+k3s1')], {
      env: { PATH: `${bin}:/usr/bin:/bin` },
      encoding: 'utf8',
    });
    assert.equal(out.trim(), 'k3s=already', 'an installed server downloads nothing');
  });
});
