// gardenos lab on the real kernel: three hosts with their own sshd, files and hostname; isolation, flow cuts, idempotent up, down that leaves nothing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { GardenError } from '../../src/errors.js';
import { connectHost, type HostShell, type SshTarget } from '../../src/hosts/index.js';
import { cutFlow, restoreFlow } from '../../src/lab/index.js';
import { requireBinary, waitFor } from '../support/processes.js';
import { cli } from './harness.js';

// Its own name and subnet, never the defaults: a lab the user has up is left alone.
const LAB = 't1';
const SUBNET = '10.213.50.0/24';
const LAB_DIR = `/var/lib/gardenos-lab/${LAB}`;
const INSTALL =
  'apt-get update && apt-get install -y openssh-server openssh-client nftables iproute2 (or `npx gardenos setup`)';

interface SpecHost {
  name: string;
  address: string;
  ssh: { user: string; port: number; identityFile: string };
  hostKey: string;
}

const targetOf = (h: SpecHost): SshTarget => ({
  name: h.name,
  address: h.address,
  port: h.ssh.port,
  user: h.ssh.user,
  identityFile: h.ssh.identityFile,
  hostKey: h.hostKey,
});

/** A TCP connect from inside a host to address:22, as the host's own processes would make it. */
async function reaches(from: HostShell, address: string): Promise<boolean> {
  return (await from.exec(`timeout 3 bash -c 'exec 3<>/dev/tcp/${address}/22'`)).code === 0;
}

function labLeftovers(): string[] {
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith(`gdn-${LAB}-`));
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => new RegExp(`: gdn-${LAB}[-:@]`).test(l));
  const processes = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return cmdline.includes(LAB_DIR) ? [`pid ${pid}: ${cmdline}`] : [];
      } catch {
        return [];
      }
    });
  return [...namespaces, ...links, ...processes];
}

describe('gardenos lab (network namespaces with their own sshd)', { timeout: 240_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'gardenos-e2e-lab-'));
  const specFile = join(work, 'lab.yaml');
  let hosts: SpecHost[] = [];
  const shells = new Map<string, HostShell>();
  const shell = (name: string) => shells.get(name)!;

  before(async () => {
    for (const tool of ['sshd', 'ssh-keygen', 'nft', 'ip', 'unshare']) requireBinary(tool, INSTALL);
    // A t1 lab left by an interrupted run of this test is this test's own: remove it first.
    if (existsSync(join(LAB_DIR, 'manifest.json'))) await cli(['lab', 'down', '--name', LAB, '--yes']);
  });

  after(async () => {
    await Promise.all([...shells.values()].map((s) => s.close()));
    if (existsSync(join(LAB_DIR, 'manifest.json'))) await cli(['lab', 'down', '--name', LAB, '--yes']);
    rmSync(work, { recursive: true, force: true });
  });

  it('lab up builds 3 hosts, waits for their SSH and writes the spec with pinned keys', async () => {
    const r = await cli(['lab', 'up', '--name', LAB, '--subnet', SUBNET, '--hosts', '3', '--out', specFile]);
    assert.equal(r.code, 0, r.stderr);
    const up = /is up: 3 hosts in ([\d.]+) s/.exec(r.stderr);
    assert.ok(up, r.stderr);
    console.log(`lab up: 3 hosts in ${up[1]} s`);
    assert.equal(readFileSync(specFile, 'utf8'), r.stdout);
    const spec = parse(r.stdout) as { name: string; hosts: SpecHost[] };
    hosts = spec.hosts;
    assert.deepEqual(
      hosts.map((h) => [h.name, h.address]),
      [
        ['h1', '10.213.50.11'],
        ['h2', '10.213.50.12'],
        ['h3', '10.213.50.13'],
      ],
    );
    for (const h of hosts) {
      assert.match(h.hostKey, /^ssh-ed25519 AAAA/);
      // The machine reaches every host: a full SSH handshake with the pinned key.
      shells.set(h.name, await connectHost(targetOf(h)));
    }
  });

  it("each host has its own hostname, its own /etc/gardenos and its own (empty) root's home", async () => {
    const names = await Promise.all(hosts.map(async (h) => (await shell(h.name).exec('hostname')).stdout.trim()));
    assert.deepEqual(names, ['h1', 'h2', 'h3']);
    assert.equal(await shell('h1').writeFile('/etc/gardenos/only-on-h1.conf', 'h1\n', { mode: 0o600 }), true);
    assert.equal((await shell('h1').readFile('/etc/gardenos/only-on-h1.conf'))?.toString(), 'h1\n');
    assert.equal(await shell('h2').readFile('/etc/gardenos/only-on-h1.conf'), undefined);
    assert.equal(existsSync('/etc/gardenos/only-on-h1.conf'), false, "the machine must not see a lab host's file");
    assert.equal((await shell('h2').exec('ls -A /var/lib/gardenos /var/log/gardenos /run/gardenos')).code, 0);
    // The machine's /root (and its shell start-up files) is not the host's.
    assert.deepEqual(await shell('h3').exec('ls -A /root; stat -c %a /root'), { code: 0, stdout: '700\n', stderr: '' });
  });

  it('hosts reach each other', async () => {
    assert.equal(await reaches(shell('h1'), '10.213.50.12'), true);
    assert.equal(await reaches(shell('h3'), '10.213.50.11'), true);
  });

  it('lab isolate cuts a host off from the others and the machine; lab heal brings it back', async () => {
    const h2 = hosts[1]!;
    const isolated = await cli(['lab', 'isolate', 'h2', '--name', LAB]);
    assert.equal(isolated.code, 0, isolated.stderr);
    assert.equal(await reaches(shell('h1'), h2.address), false);
    const err = await connectHost(targetOf(h2), { readyTimeoutMs: 3000 }).then(
      (s) => s.close(),
      (e: unknown) => e,
    );
    assert.ok(err instanceof GardenError && err.code === 'HOST_UNREACHABLE', String(err));
    assert.ok(err.message.includes(`${h2.address}:22`));

    const healed = await cli(['lab', 'heal', 'h2', '--name', LAB]);
    assert.equal(healed.code, 0, healed.stderr);
    await waitFor('h1 reaching h2 again', () => reaches(shell('h1'), h2.address), 15_000);
    const again = await waitFor(
      'an SSH handshake with h2',
      () => connectHost(targetOf(h2), { readyTimeoutMs: 3000 }),
      15_000,
    );
    await again.close();
  });

  it('cutFlow drops one flow only, restoreFlow undoes it', async () => {
    await cutFlow(LAB, 'h1', 'h3', 22);
    assert.equal(await reaches(shell('h1'), '10.213.50.13'), false);
    assert.equal(await reaches(shell('h1'), '10.213.50.12'), true);
    assert.equal(await reaches(shell('h3'), '10.213.50.12'), true);
    assert.equal(await restoreFlow(LAB, 'h1', 'h3', 22), true);
    assert.equal(await reaches(shell('h1'), '10.213.50.13'), true);
  });

  it('a wrong pinned host key is refused with HOST_KEY_MISMATCH', async () => {
    const err = await connectHost({ ...targetOf(hosts[0]!), hostKey: hosts[1]!.hostKey }).then(
      (s) => s.close(),
      (e: unknown) => e,
    );
    assert.ok(err instanceof GardenError && err.code === 'HOST_KEY_MISMATCH', String(err));
  });

  it('lab up again changes nothing and prints the same spec', async () => {
    const r = await cli(['lab', 'up', '--name', LAB, '--out', specFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /already up \(nothing changed\)/);
    assert.deepEqual((parse(r.stdout) as { hosts: SpecHost[] }).hosts, hosts);
  });

  it('lab down needs --yes without a terminal, then leaves no namespace, link, process or dir of the lab', async () => {
    await Promise.all([...shells.values()].map((s) => s.close()));
    shells.clear();
    const refused = await cli(['lab', 'down', '--name', LAB]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /CONFIRM_REQUIRED/);
    assert.ok(existsSync(join(LAB_DIR, 'manifest.json')), 'nothing may change without --yes');

    const r = await cli(['lab', 'down', '--name', LAB, '--yes']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /no namespace, link or process of it is left/);
    assert.deepEqual(labLeftovers(), []);
    assert.equal(existsSync(LAB_DIR), false);
  });
});
