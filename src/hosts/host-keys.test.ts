// Host key lines, fingerprints and known_hosts matching, checked against ssh-keygen's own output.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  algorithmsFor,
  fingerprintOf,
  hostKeyLine,
  keysFromKnownHosts,
  knownHostsName,
  parseHostKeyLine,
} from './host-keys.js';

const dir = mkdtempSync(join(tmpdir(), 'gardenos-host-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function newKey(name: string, type = 'ed25519'): string {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', `comment ${name}`, '-f', join(dir, name)]);
  return readFileSync(join(dir, `${name}.pub`), 'utf8').trim();
}

describe('host keys', () => {
  it('parses a key line (comment dropped) and fingerprints it exactly as ssh-keygen -lf', () => {
    for (const type of ['ed25519', 'ecdsa', 'rsa']) {
      const line = newKey(`k-${type}`, type);
      const key = parseHostKeyLine(line);
      assert.ok(key, line);
      assert.equal(hostKeyLine(key), line.split(' ').slice(0, 2).join(' '));
      const keygen = execFileSync('ssh-keygen', ['-lf', join(dir, `k-${type}.pub`)], { encoding: 'utf8' }).split(
        ' ',
      )[1];
      assert.equal(fingerprintOf(key), keygen);
    }
  });

  it('refuses lines that are not keys or whose type disagrees with the blob', () => {
    const [, b64] = newKey('k2').split(' ');
    assert.equal(parseHostKeyLine(`ssh-rsa ${b64}`), undefined);
    assert.equal(parseHostKeyLine('ssh-ed25519'), undefined);
    assert.equal(parseHostKeyLine('ssh-ed25519 not*base64'), undefined);
    assert.equal(parseHostKeyLine(`ssh-ed25519 ${b64!.slice(0, 8)}`), undefined);
  });

  it('names hosts as OpenSSH does and finds their keys in known_hosts (plain, patterns, [addr]:port, hashed)', () => {
    assert.equal(knownHostsName('10.0.0.1', 22), '10.0.0.1');
    assert.equal(knownHostsName('10.0.0.1', 2222), '[10.0.0.1]:2222');
    const a = newKey('a');
    const b = newKey('b');
    const c = newKey('c');
    const text = [
      '# comment',
      '',
      `10.0.0.1,10.0.0.2 ${a}`,
      `[10.0.0.1]:2222 ${b}`,
      `10.0.0.* ${c}`,
      `!10.0.0.9,10.0.0.* ${b}`,
      `@cert-authority 10.0.0.1 ${c}`,
      `@revoked 10.0.0.1 ${b}`,
    ].join('\n');
    const lines = (addr: string, port: number) => keysFromKnownHosts(text, addr, port).map(hostKeyLine);
    const short = (k: string) => k.split(' ').slice(0, 2).join(' ');
    assert.deepEqual(lines('10.0.0.1', 22), [short(a), short(c), short(b)]);
    assert.deepEqual(lines('10.0.0.1', 2222), [short(b)]);
    assert.deepEqual(lines('10.0.0.9', 22), [short(c)]);
    assert.deepEqual(lines('10.0.1.1', 22), []);

    const file = join(dir, 'known_hosts');
    writeFileSync(file, `10.0.0.5 ${a}\n[10.0.0.5]:2200 ${b}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const hashed = readFileSync(file, 'utf8');
    assert.ok(!hashed.includes('10.0.0.5'));
    assert.deepEqual(keysFromKnownHosts(hashed, '10.0.0.5', 22).map(hostKeyLine), [short(a)]);
    assert.deepEqual(keysFromKnownHosts(hashed, '10.0.0.5', 2200).map(hostKeyLine), [short(b)]);
    assert.deepEqual(keysFromKnownHosts(hashed, '10.0.0.6', 22), []);
  });

  it('asks for every RSA signature algorithm when an RSA key is pinned', () => {
    assert.deepEqual(algorithmsFor('ssh-rsa'), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    assert.deepEqual(algorithmsFor('ssh-ed25519'), ['ssh-ed25519']);
  });
});
