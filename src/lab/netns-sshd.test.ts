// The rendered sshd config passes the real `sshd -t`, and the host script binds exactly the lab host's dirs.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { requireBinary } from '../../test/support/processes.js';
import { renderHostScript, renderSshdConfig } from './netns-sshd.js';
import { parseSubnet, planLab } from './plan.js';

const INSTALL = 'apt-get install -y openssh-server openssh-client (or `gardenos setup`)';
const root = mkdtempSync(join(tmpdir(), 'gardenos-lab-sshd-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('lab sshd', () => {
  const plan = planLab('t9', 2, parseSubnet('10.213.90.0/24'), root);
  const host = plan.hosts[1]!;

  it('renders a config that sshd -t accepts: root by key only, its own key, address and pid file', () => {
    const sshd = requireBinary('sshd', INSTALL);
    requireBinary('ssh-keygen', INSTALL);
    mkdirSync(host.root, { recursive: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', host.hostKeyFile]);
    const text = renderSshdConfig(host, plan);
    writeFileSync(host.sshdConfig, text);
    // As on a lab host: a private /run with /run/sshd, which sshd -t and -T insist on.
    const inLabRun = (args: string) =>
      spawnSync(
        'unshare',
        [
          '--mount',
          '--propagation',
          'private',
          'sh',
          '-c',
          `mount -t tmpfs tmpfs /run && mkdir /run/sshd && exec ${sshd} ${args}`,
        ],
        { encoding: 'utf8' },
      );
    const checked = inLabRun(`-t -f ${host.sshdConfig}`);
    assert.equal(checked.status, 0, checked.stderr);
    const effective = inLabRun(`-T -f ${host.sshdConfig} -C user=root,host=x,addr=10.213.90.1`);
    assert.equal(effective.status, 0, effective.stderr);
    for (const line of [
      'permitrootlogin without-password',
      'passwordauthentication no',
      'kbdinteractiveauthentication no',
      'usepam no',
      'listenaddress 10.213.90.12:22',
      `authorizedkeysfile ${plan.clientKey}.pub`,
      `pidfile ${host.pidFile}`,
      'authenticationmethods publickey',
      `hostkey ${host.hostKeyFile}`,
    ]) {
      assert.ok(effective.stdout.includes(line), `sshd -T lacks "${line}"`);
    }
  });

  it("binds the host dirs and root's home, gives it a private /run and its hostname, and starts only sshd", () => {
    const script = renderHostScript(host);
    for (const [dir, mountPoint] of [
      ['etc', '/etc/gardenos'],
      ['lib', '/var/lib/gardenos'],
      ['log', '/var/log/gardenos'],
      ['tmp', '/tmp'],
      ['home', '/root'],
    ]) {
      assert.ok(script.includes(`mount --bind '${host.root}/${dir}' ${mountPoint}`), mountPoint);
    }
    assert.match(script, /mount -t tmpfs .* \/run\n/);
    assert.match(script, /hostname 'h2'/);
    assert.match(script, /exec \/usr\/sbin\/sshd -D -e -f /);
    assert.doesNotMatch(script, /systemd|init/);
  });
});
