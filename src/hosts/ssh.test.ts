// connectHost against a real OpenSSH server on loopback: host key pins, auth, exec, files, sudo.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startChild, waitFor } from '../../test/support/processes.js';
import { GardenError } from '../errors.js';
import { fingerprintOf, parseHostKeyLine } from './host-keys.js';
import { connectHost, HostKeyError, type SshTarget } from './ssh.js';
import { PLAIN_USER, startLoopbackSshd, type LoopbackSshd } from './test-support/loopback-sshd.js';

/** The target without one of its optional fields. */
function without(t: SshTarget, field: 'hostKey' | 'identityFile'): SshTarget {
  const copy = { ...t };
  delete copy[field];
  return copy;
}

function isCode(code: string) {
  return (err: unknown) => err instanceof GardenError && err.code === code;
}

describe('connectHost on a real sshd', () => {
  let sshd: LoopbackSshd;
  let target: SshTarget;
  let otherKey: string;

  before(async () => {
    sshd = await startLoopbackSshd();
    target = {
      name: 't',
      address: '127.0.0.1',
      port: sshd.port,
      user: 'root',
      identityFile: sshd.identityFile,
      hostKey: sshd.hostKey,
    };
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(sshd.dir, 'other-host')]);
    otherKey = readFileSync(join(sshd.dir, 'other-host.pub'), 'utf8').trim();
  });
  after(async () => {
    await sshd?.stop();
  });

  it('accepts the pinned key and reports its fingerprint as ssh-keygen -lf does', async () => {
    const shell = await connectHost(target);
    try {
      const keygen = execFileSync('ssh-keygen', ['-lf', join(sshd.dir, 'host.pub')], { encoding: 'utf8' }).split(
        ' ',
      )[1];
      assert.equal(shell.hostKeyFingerprint, keygen);
      assert.equal(shell.hostKey, sshd.hostKey);
      assert.equal(shell.hostKeyIsNew, false);
    } finally {
      await shell.close();
    }
  });

  it('refuses a different pinned key with HOST_KEY_MISMATCH, the fingerprint seen and the line to pin', async () => {
    const err = await connectHost({ ...target, hostKey: otherKey }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof HostKeyError, String(err));
    assert.equal(err.code, 'HOST_KEY_MISMATCH');
    const seen = fingerprintOf(parseHostKeyLine(sshd.hostKey)!);
    assert.equal(err.seenFingerprint, seen);
    assert.deepEqual(err.pinnedFingerprints, [fingerprintOf(parseHostKeyLine(otherKey)!)]);
    assert.ok(err.message.includes(seen) && /attack/.test(err.message));
    assert.ok(err.hint.includes(`hostKey: ${sshd.hostKey}`));
    assert.equal(err.exitCode, 2);
  });

  it('refuses an unpinned key with HOST_KEY_UNKNOWN, unless acceptNewHostKey asks to record it', async () => {
    const unpinned = without(target, 'hostKey');
    const err = await connectHost(unpinned).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof HostKeyError && err.code === 'HOST_KEY_UNKNOWN', String(err));
    assert.equal(err.seenKey, sshd.hostKey);
    assert.ok(err.hint.includes(`hostKey: ${sshd.hostKey}`) && err.message.includes(err.seenFingerprint));

    const shell = await connectHost(unpinned, { acceptNewHostKey: true });
    assert.equal(shell.hostKey, sshd.hostKey);
    assert.equal(shell.hostKeyIsNew, true);
    await shell.close();
  });

  it('takes pins from a known_hosts file, plain, [addr]:port and hashed', async () => {
    const [type, b64] = sshd.hostKey.split(' ');
    const file = join(sshd.dir, 'known_hosts');
    writeFileSync(file, `127.0.0.1 ${otherKey}\n[127.0.0.1]:${sshd.port} ${type} ${b64}\n`);
    const unpinned = without(target, 'hostKey');
    await (await connectHost({ ...unpinned, knownHostsFile: file })).close();
    // ssh-keygen -H hashes every name; the hashed line must still match [127.0.0.1]:port.
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    assert.ok(readFileSync(file, 'utf8').startsWith('|1|'));
    await (await connectHost({ ...unpinned, knownHostsFile: file })).close();
    writeFileSync(file, `127.0.0.1 ${type} ${b64}\n`); // port 22 form: not this port
    await assert.rejects(connectHost({ ...unpinned, knownHostsFile: file }), isCode('HOST_KEY_UNKNOWN'));
  });

  it('runs commands: exit codes, stdout, stderr and stdin', async () => {
    const shell = await connectHost(target);
    try {
      const r = await shell.exec('echo out; echo err >&2; exit 7');
      assert.deepEqual(r, { code: 7, stdout: 'out\n', stderr: 'err\n' });
      const cat = await shell.exec('wc -c; cat', { stdin: Buffer.from('line one\nline two\n') });
      assert.equal(cat.stdout, '18\n');
      assert.equal((await shell.exec('cat', { stdin: 'secret\n' })).stdout, 'secret\n');
      assert.equal((await shell.exec('kill -TERM $$')).code, 128 + 15);
      assert.equal((await shell.exec('id -u', { sudo: true })).stdout, '0\n');
    } finally {
      await shell.close();
    }
  });

  it('a connection killed under a command: a read-only command runs once more on a new connection, any other fails HOST_UNREACHABLE', async () => {
    const marker = join(sshd.dir, 'killed-once');
    // The command's parent is sshd's process for this connection: killing it drops the connection mid-command.
    const killOnce = `if [ -e ${marker} ]; then echo again; else touch ${marker}; kill -9 $PPID; sleep 5; fi`;
    const shell = await connectHost(target);
    try {
      const r = await shell.exec(killOnce, { readOnly: true });
      assert.deepEqual({ code: r.code, stdout: r.stdout }, { code: 0, stdout: 'again\n' });
      assert.equal((await shell.exec('echo still here')).stdout, 'still here\n');
      rmSync(marker);
      await assert.rejects(
        shell.exec(killOnce),
        (err: unknown) =>
          isCode('HOST_UNREACHABLE')(err) && /before the command reported its exit status/.test((err as Error).message),
      );
      assert.equal((await shell.exec('echo read', { readOnly: true })).stdout, 'read\n');
    } finally {
      await shell.close();
    }
  });

  it('writes files through a temp file: changed, then unchanged, then mode and owner corrected', async () => {
    const shell = await connectHost(target);
    const path = join(sshd.dir, 'written.conf');
    try {
      assert.equal(await shell.readFile(path), undefined);
      assert.equal(await shell.writeFile(path, 'a = 1\n', { mode: 0o640, owner: 'root', group: 'root' }), true);
      assert.equal(readFileSync(path, 'utf8'), 'a = 1\n');
      assert.equal(statSync(path).mode & 0o7777, 0o640);
      assert.equal(await shell.writeFile(path, 'a = 1\n', { mode: 0o640, owner: 'root', group: 'root' }), false);
      assert.equal(await shell.writeFile(path, 'a = 1\n', { mode: 0o600 }), true);
      assert.equal(statSync(path).mode & 0o7777, 0o600);
      assert.equal(await shell.writeFile(path, 'a = 2\n', { mode: 0o600 }), true);
      assert.equal((await shell.readFile(path))?.toString(), 'a = 2\n');
      assert.equal(await shell.writeFile(path, 'a = 2\n', { mode: 0o600, owner: 'nobody' }), true);
      assert.equal(statSync(path).uid, 65534);
      const leftovers = (await shell.exec(`ls -a ${sshd.dir} | grep -c gardenos- || true`)).stdout.trim();
      assert.equal(leftovers, '0');
      await assert.rejects(
        shell.writeFile(join(sshd.dir, 'no-such-dir', 'x'), 'x', { mode: 0o600 }),
        isCode('HOST_COMMAND_FAILED'),
      );
    } finally {
      await shell.close();
    }
  });

  it('needs passwordless sudo for a user that is not root (SUDO_REQUIRED), and runs plain commands without it', async () => {
    const shell = await connectHost({ ...target, user: PLAIN_USER });
    try {
      assert.equal((await shell.exec('id -un')).stdout, `${PLAIN_USER}\n`);
      const err = await shell.exec('true', { sudo: true }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof GardenError && err.code === 'SUDO_REQUIRED', String(err));
      assert.match(err.hint, /NOPASSWD/);
      await assert.rejects(shell.readFile('/etc/hostname'), isCode('SUDO_REQUIRED'));
    } finally {
      await shell.close();
    }
  });

  it('names the key and the fix when the login is refused (SSH_AUTH)', async () => {
    const err = await connectHost({ ...target, identityFile: sshd.strangerIdentityFile }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof GardenError && err.code === 'SSH_AUTH', String(err));
    assert.ok(err.message.includes(sshd.strangerIdentityFile) && err.message.includes('root'));
    assert.match(err.hint, /authorized_keys/);
    await assert.rejects(connectHost(without(target, 'identityFile')), isCode('SSH_AUTH'));
  });

  it('logs in with the ssh-agent when no identity file is given', async () => {
    const sock = join(sshd.dir, 'agent.sock');
    const agent = startChild('ssh-agent', ['-D', '-a', sock]);
    try {
      await waitFor('ssh-agent socket', () => existsSync(sock));
      execFileSync('ssh-add', [sshd.identityFile], { env: { SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      const shell = await connectHost(without(target, 'identityFile'), { agentSocket: sock });
      assert.equal((await shell.exec('echo via-agent')).stdout, 'via-agent\n');
      await shell.close();
    } finally {
      await agent.stop();
    }
  });

  it('reports a port nobody listens on as HOST_UNREACHABLE with the address', async () => {
    const port = sshd.port === 22099 ? 22098 : sshd.port + 1;
    const err = await connectHost({ ...target, port }, { readyTimeoutMs: 3000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof GardenError && err.code === 'HOST_UNREACHABLE', String(err));
    assert.ok(err.message.includes(`127.0.0.1:${port}`));
  });
});
