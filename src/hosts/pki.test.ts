// The hosts PKI with the real openssl: made once, reused byte for byte, reissued when a host changes;
// keys 0600 and never on a command line.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireBinary, waitFor } from '../../test/support/processes.js';
import { hostsSpec, THREE_HOSTS_YAML } from '../render/hosts/fixtures.js';
import { ensureHostsPki, hostsPkiAt, readHostTls, runOpenssl, type OpensslRunner } from './pki.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'gardenos-pki-'));
  dirs.push(d);
  return join(d, 'hosts', 'pki');
};

/** Records every openssl command line, then runs it. */
function recording(): { runner: OpensslRunner; calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    runner: (args) => {
      calls.push(args);
      runOpenssl(args);
    },
  };
}

describe('ensureHostsPki', () => {
  const spec = hostsSpec(THREE_HOSTS_YAML);

  test("makes a CA and a certificate per host with the host's SANs, for server and client auth; keys 0600", () => {
    const dir = tempDir();
    const { pki, issued } = ensureHostsPki(spec, dir);
    assert.deepEqual(issued, ['ca', 's1', 's2', 's3', 'operator', 'postgres-endpoint', 'pgbouncer-client']);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const ca = new X509Certificate(readFileSync(pki.caFile));
    assert.ok(ca.ca);
    for (const [name, ip, pub] of [
      ['s1', '10.20.0.11', '203.0.113.11'],
      ['s3', '10.20.0.13', '203.0.113.13'],
    ]) {
      const files = pki.host(name!);
      const cert = new X509Certificate(readFileSync(files.certFile));
      assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey));
      assert.equal(
        cert.subjectAltName,
        `IP Address:${ip}, IP Address:${pub}, IP Address:127.0.0.1, DNS:${name}, DNS:${ip}`,
        'the address as a DNS name too, for pgBackRest',
      );
      assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
      assert.equal(statSync(files.keyFile).mode & 0o777, 0o600);
    }
    assert.equal(statSync(join(dir, 'ca.key')).mode & 0o777, 0o600);
    const operator = new X509Certificate(readFileSync(pki.operator.certFile));
    assert.deepEqual(operator.keyUsage, ['1.3.6.1.5.5.7.3.2'], 'gardenos itself is a client only');
    // PostgreSQL is reached through any host's HAProxy: its certificate names all of them.
    const endpoint = new X509Certificate(readFileSync(pki.endpoint.certFile));
    assert.ok(endpoint.checkIssued(ca));
    assert.match(
      endpoint.subjectAltName ?? '',
      /IP Address:10\.20\.0\.11, IP Address:203\.0\.113\.11, IP Address:10\.20\.0\.12.*IP Address:10\.20\.0\.13.*DNS:journal-primary, DNS:journal-replicas/,
    );
    assert.deepEqual(endpoint.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    const tls = readHostTls(pki, 's2');
    assert.equal(tls.endpointCert, readFileSync(pki.endpoint.certFile, 'utf8'));
    assert.match(tls.key, /BEGIN PRIVATE KEY/);
    assert.equal(tls.caCert, readFileSync(pki.caFile, 'utf8'));
  });

  test('idempotent: a second run calls no openssl and leaves every byte as it was', () => {
    const dir = tempDir();
    ensureHostsPki(spec, dir);
    const snapshot = () =>
      ['ca.crt', 'ca.key', 's1.crt', 's1.key', 's2.crt', 'operator.crt'].map((f) => readFileSync(join(dir, f), 'utf8'));
    const before = snapshot();
    const { runner, calls } = recording();
    const again = ensureHostsPki(spec, dir, runner);
    assert.deepEqual(calls, []);
    assert.deepEqual(again.issued, []);
    assert.deepEqual(snapshot(), before);
  });

  test('a host whose address changed gets a new certificate; the others and the CA are kept', () => {
    const dir = tempDir();
    ensureHostsPki(spec, dir);
    const s2 = readFileSync(join(dir, 's2.crt'), 'utf8');
    const moved = hostsSpec(THREE_HOSTS_YAML.replace('address: 10.20.0.11,', 'address: 10.20.0.21,'));
    const { issued, pki } = ensureHostsPki(moved, dir);
    assert.deepEqual(issued, ['s1', 'postgres-endpoint'], "the endpoint certificate names s1's address too");
    assert.equal(readFileSync(join(dir, 's2.crt'), 'utf8'), s2);
    assert.match(
      new X509Certificate(readFileSync(pki.host('s1').certFile)).subjectAltName ?? '',
      /IP Address:10\.20\.0\.21/,
    );
  });

  test('a new CA (the old one lost) reissues every certificate; a cert without its key is reissued', () => {
    const dir = tempDir();
    ensureHostsPki(spec, dir);
    rmSync(join(dir, 's3.key'));
    assert.deepEqual(ensureHostsPki(spec, dir).issued, ['s3']);
    rmSync(join(dir, 'ca.key'));
    assert.deepEqual(ensureHostsPki(spec, dir).issued, [
      'ca',
      's1',
      's2',
      's3',
      'operator',
      'postgres-endpoint',
      'pgbouncer-client',
    ]);
    writeFileSync(join(dir, 's1.crt'), 'not a certificate');
    assert.deepEqual(ensureHostsPki(spec, dir).issued, ['s1']);
  });

  test('a certificate close to expiry is reissued', () => {
    const dir = tempDir();
    ensureHostsPki(spec, dir);
    const inTwoYears = Date.now() + 800 * 24 * 3600 * 1000;
    const { issued } = ensureHostsPki(spec, dir, runOpenssl, inTwoYears);
    assert.deepEqual(
      issued,
      ['s1', 's2', 's3', 'operator', 'postgres-endpoint', 'pgbouncer-client'],
      'leaves last 825 days; the CA 10 years',
    );
  });

  test('no key material on any openssl command line; keys are written only to files', () => {
    const dir = tempDir();
    const { runner, calls } = recording();
    ensureHostsPki(spec, dir, runner);
    assert.ok(calls.length > 0);
    const keys = ['ca.key', 's1.key', 's2.key', 's3.key', 'operator.key'].map((f) =>
      readFileSync(join(dir, f), 'utf8'),
    );
    for (const args of calls) {
      for (const arg of args) {
        assert.doesNotMatch(arg, /BEGIN|pass:|env:|stdin/, `openssl ${args.join(' ')}`);
        for (const k of keys)
          for (const line of k.split('\n').filter((l) => l.length > 20)) assert.ok(!arg.includes(line));
      }
    }
    assert.equal(hostsPkiAt(dir).caFile, join(dir, 'ca.crt'));
  });
});

/** GET url over https with our CA, optionally presenting a client certificate; the status code, or the error's code. */
function get(url: string, ca: string, client?: { cert: string; key: string }): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, { ca, ...client, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

describe('etcd accepts the certificates (client and peer TLS with client-cert-auth)', () => {
  test('a client with a host or operator certificate is served; one without is refused', async () => {
    const etcd = requireBinary('etcd', 'sudo apt-get install -y etcd-server');
    const dir = tempDir();
    const { pki } = ensureHostsPki(hostsSpec(THREE_HOSTS_YAML), dir);
    const [client, peer] = [await freePort(), await freePort()];
    const s1 = pki.host('s1');
    // The host certificate names 127.0.0.1, so etcd can serve and peer on loopback with it here.
    const child = spawn(
      etcd,
      [
        '--name=s1',
        `--data-dir=${join(dir, 'data')}`,
        `--listen-client-urls=https://127.0.0.1:${client}`,
        `--advertise-client-urls=https://127.0.0.1:${client}`,
        `--listen-peer-urls=https://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=https://127.0.0.1:${peer}`,
        `--initial-cluster=s1=https://127.0.0.1:${peer}`,
        '--initial-cluster-state=new',
        `--cert-file=${s1.certFile}`,
        `--key-file=${s1.keyFile}`,
        `--trusted-ca-file=${pki.caFile}`,
        '--client-cert-auth',
        `--peer-cert-file=${s1.certFile}`,
        `--peer-key-file=${s1.keyFile}`,
        `--peer-trusted-ca-file=${pki.caFile}`,
        '--peer-client-cert-auth',
      ],
      { stdio: 'ignore' },
    );
    try {
      const ca = readFileSync(pki.caFile, 'utf8');
      const url = `https://127.0.0.1:${client}/health`;
      const as = (files: { certFile: string; keyFile: string }) => ({
        cert: readFileSync(files.certFile, 'utf8'),
        key: readFileSync(files.keyFile, 'utf8'),
      });
      await waitFor(
        'etcd to answer /health with a client certificate',
        async () => (await get(url, ca, as(pki.host('s2')))) === 200,
        20_000,
      );
      assert.equal(await get(url, ca, as(pki.operator)), 200, 'gardenos itself');
      assert.notEqual(await get(url, ca), 200, 'no client certificate, no answer');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
