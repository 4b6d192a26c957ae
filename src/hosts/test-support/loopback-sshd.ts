// A real OpenSSH server on 127.0.0.1 (ports 22000-22099) with throwaway keys, in its own mount namespace.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary, startChild, waitFor, type Child } from '../../../test/support/processes.js';

export const SSHD_INSTALL = 'apt-get install -y openssh-server openssh-client (or `gardenos setup`)';

/** A non-root login that exists only inside the server's mount namespace (a bind-mounted /etc/passwd), for the sudo paths. */
export const PLAIN_USER = 'gdnplain';

export interface LoopbackSshd {
  port: number;
  dir: string;
  /** "ssh-ed25519 AAAA..." of the server. */
  hostKey: string;
  /** A client key that the server accepts, for root and for PLAIN_USER. */
  identityFile: string;
  /** A client key the server does not know. */
  strangerIdentityFile: string;
  stop(): Promise<void>;
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A free port in 22000-22099, starting at a random one so parallel test files rarely try the same. */
async function freeSshPort(): Promise<number> {
  const start = Math.floor(Math.random() * 100);
  for (let i = 0; i < 100; i++) {
    const port = 22000 + ((start + i) % 100);
    if (await canBind(port)) return port;
  }
  throw new Error('no free port in 22000-22099 on 127.0.0.1');
}

function keygen(file: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { stdio: 'ignore' });
}

function answersSsh(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('data', (d) => {
      sock.destroy();
      resolve(d.toString('latin1').startsWith('SSH-'));
    });
    sock.once('error', () => resolve(false));
    sock.setTimeout(1000, () => {
      sock.destroy();
      resolve(false);
    });
  });
}

export async function startLoopbackSshd(): Promise<LoopbackSshd> {
  const sshd = requireBinary('sshd', SSHD_INSTALL);
  requireBinary('ssh-keygen', SSHD_INSTALL);
  const dir = await mkdtemp(join(tmpdir(), 'gardenos-ssh-test-'));
  for (const [file, comment] of [
    ['host', 'test-host'],
    ['client', 'test-client'],
    ['stranger', 'stranger'],
  ] as const)
    keygen(join(dir, file), comment);
  // sshd reads a user's authorized keys as that user: the dir must let PLAIN_USER in (the private keys stay 0600).
  execFileSync('chmod', ['0755', dir]);
  const home = join(dir, 'home');
  execFileSync('install', ['-d', '-m', '0755', home]);
  const passwd = `${await readFile('/etc/passwd', 'utf8')}${PLAIN_USER}:x:60999:60999:gardenos test:${home}:/bin/sh\n`;
  const shadow = `${await readFile('/etc/shadow', 'utf8')}${PLAIN_USER}:*:20000:0:99999:7:::\n`;
  await writeFile(join(dir, 'passwd'), passwd, { mode: 0o644 });
  await writeFile(join(dir, 'shadow'), shadow, { mode: 0o600 });
  const port = await freeSshPort();
  await writeFile(
    join(dir, 'sshd_config'),
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${join(dir, 'host')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'client.pub')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // The temp dir sits under the world-writable /tmp, which StrictModes refuses for key files.
      'StrictModes no',
      '',
    ].join('\n'),
  );
  // /run/sshd (privilege separation) lives on a private /run, so the machine's /run is never touched.
  const script = [
    'set -e',
    'mount -t tmpfs -o mode=0755 tmpfs /run',
    'mkdir -m 0755 /run/sshd',
    `mount --bind ${join(dir, 'passwd')} /etc/passwd`,
    `mount --bind ${join(dir, 'shadow')} /etc/shadow`,
    `exec ${sshd} -D -e -f ${join(dir, 'sshd_config')}`,
  ].join('; ');
  const child: Child = startChild('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script]);
  try {
    await waitFor(
      `sshd on 127.0.0.1:${port}`,
      async () => {
        if (child.process.exitCode !== null) throw new Error(`sshd exited: ${child.output()}`);
        return answersSsh(port);
      },
      10_000,
    );
  } catch (err) {
    await child.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const hostKey = (await readFile(join(dir, 'host.pub'), 'utf8')).trim().split(' ').slice(0, 2).join(' ');
  return {
    port,
    dir,
    hostKey,
    identityFile: join(dir, 'client'),
    strangerIdentityFile: join(dir, 'stranger'),
    async stop() {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
