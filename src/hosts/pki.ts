// The hosts target's private CA and certificates, kept in the operator's state dir (<stateDir>/hosts/pki/).
//
// Made with the openssl CLI; key material only ever goes to files in a 0700 directory (never to a
// command line or an environment variable). Idempotent: a certificate that is still valid, signed by
// the CA, matches its key and names the SANs the spec asks for is reused, so rendering twice gives
// the same bytes. Anything else (missing, expiring, a changed address) is issued again.
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { GardenError, describeCause } from '../errors.js';
import type { HostTlsMaterial } from '../render/hosts/index.js';
import type { HostConfig, Spec } from '../spec/index.js';

/** Runs `openssl ARGS` (throws on failure); tests may count the calls. */
export type OpensslRunner = (args: string[]) => void;

export const runOpenssl: OpensslRunner = (args) => {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
};

export interface PkiFiles {
  certFile: string;
  keyFile: string;
}

export interface HostsPki {
  dir: string;
  caFile: string;
  host(name: string): PkiFiles;
  /** gardenos's own client certificate, for talking to the hosts' etcd from the operator's machine. */
  operator: PkiFiles;
  /** PostgreSQL's server certificate on every postgres host (clients come through any HAProxy). */
  endpoint: PkiFiles;
}

export const CA_DAYS = 3650;
export const CERT_DAYS = 825;
/** A certificate that expires sooner than this is issued again. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

export function hostsPkiDir(stateDir: string): string {
  return join(stateDir, 'hosts', 'pki');
}

export function hostsPkiAt(dir: string): HostsPki {
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    host: (name) => ({ certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) }),
    operator: { certFile: join(dir, 'operator.crt'), keyFile: join(dir, 'operator.key') },
    endpoint: { certFile: join(dir, 'postgres-endpoint.crt'), keyFile: join(dir, 'postgres-endpoint.key') },
  };
}

/** The SANs of a host's certificate: what etcd peers, Patroni, PostgreSQL clients and HAProxy connect to. */
export function hostSans(host: HostConfig): string[] {
  return [
    `IP:${host.address}`,
    ...(host.publicAddress ? [`IP:${host.publicAddress}`] : []),
    'IP:127.0.0.1',
    `DNS:${host.name}`,
    // pgBackRest (2.45, Debian 12) matches the host it connects to only against the CN and DNS names,
    // never IP SANs: the private address as a DNS name too lets its TLS links verify the host.
    `DNS:${host.address}`,
  ];
}

/**
 * The SANs of PostgreSQL's certificate: a client connects to some HAProxy host and is served by the
 * leader, wherever it runs, so the certificate names every haproxy host's addresses, loopback, and the
 * Service names the Kubernetes apps use (`<name>-primary`, `<name>-replicas`).
 */
export function endpointSans(spec: Spec): string[] {
  const addresses = (spec.hosts ?? [])
    .filter((h) => h.roles.includes('haproxy'))
    .flatMap((h) => [h.address, ...(h.publicAddress ? [h.publicAddress] : [])]);
  return [...addresses.map((a) => `IP:${a}`), 'IP:127.0.0.1', `DNS:${spec.name}-primary`, `DNS:${spec.name}-replicas`];
}

export interface EnsureResult {
  pki: HostsPki;
  issued: string[];
  reused: string[];
}

/** Creates what is missing or no longer fits: the CA, one certificate per host, the operator's. */
export function ensureHostsPki(
  spec: Spec,
  dir: string,
  openssl: OpensslRunner = runOpenssl,
  now = Date.now(),
): EnsureResult {
  const pki = hostsPkiAt(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const issued: string[] = [];
  const reused: string[] = [];
  const caKey = join(dir, 'ca.key');
  let ca = validCa(pki.caFile, caKey, now);
  if (!ca) {
    issue(
      dir,
      (tmp) => {
        openssl([
          'genpkey',
          '-algorithm',
          'EC',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-out',
          privateFile(join(tmp, 'key')),
        ]);
        openssl([
          'req',
          '-x509',
          '-new',
          '-key',
          join(tmp, 'key'),
          '-subj',
          `/CN=gardenos ${spec.name} CA`,
          '-days',
          String(CA_DAYS),
          '-sha256',
          '-addext',
          'basicConstraints=critical,CA:TRUE',
          '-addext',
          'keyUsage=critical,keyCertSign,cRLSign',
          '-out',
          join(tmp, 'crt'),
        ]);
      },
      { key: caKey, crt: pki.caFile },
    );
    // Judged by the real clock: `now` may be a planning time (tests), a fresh CA is valid from today.
    ca = validCa(pki.caFile, caKey, Date.now());
    if (!ca) throw pkiError(dir, 'the CA openssl just made does not verify');
    issued.push('ca');
  } else reused.push('ca');
  const leaves: { id: string; files: PkiFiles; cn: string; sans: string[]; usage: string }[] = [
    ...(spec.hosts ?? []).map((h) => ({
      id: h.name,
      files: pki.host(h.name),
      cn: h.name,
      sans: hostSans(h),
      usage: 'serverAuth,clientAuth',
    })),
    { id: 'operator', files: pki.operator, cn: 'gardenos-operator', sans: [], usage: 'clientAuth' },
    {
      id: 'postgres-endpoint',
      files: pki.endpoint,
      cn: `${spec.name}-postgres`,
      sans: endpointSans(spec),
      usage: 'serverAuth',
    },
  ];
  for (const leaf of leaves) {
    if (validLeaf(leaf.files, ca, leaf.sans, now)) {
      reused.push(leaf.id);
      continue;
    }
    issue(
      dir,
      (tmp) => {
        openssl([
          'genpkey',
          '-algorithm',
          'EC',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-out',
          privateFile(join(tmp, 'key')),
        ]);
        openssl(['req', '-new', '-key', join(tmp, 'key'), '-subj', `/CN=${leaf.cn}`, '-out', join(tmp, 'csr')]);
        writeFileSync(
          join(tmp, 'ext'),
          [
            'basicConstraints=critical,CA:FALSE',
            'keyUsage=critical,digitalSignature,keyEncipherment',
            `extendedKeyUsage=${leaf.usage}`,
            ...(leaf.sans.length ? [`subjectAltName=${leaf.sans.join(',')}`] : []),
            '',
          ].join('\n'),
        );
        openssl([
          'x509',
          '-req',
          '-in',
          join(tmp, 'csr'),
          '-CA',
          pki.caFile,
          '-CAkey',
          caKey,
          '-set_serial',
          `0x${randomBytes(16).toString('hex')}`,
          '-days',
          String(CERT_DAYS),
          '-sha256',
          '-extfile',
          join(tmp, 'ext'),
          '-out',
          join(tmp, 'crt'),
        ]);
      },
      { key: leaf.files.keyFile, crt: leaf.files.certFile },
    );
    if (!validLeaf(leaf.files, ca, leaf.sans, Date.now()))
      throw pkiError(dir, `the certificate of ${leaf.id} openssl just made does not verify`);
    issued.push(leaf.id);
  }
  return { pki, issued, reused };
}

/** The PEM texts one host gets (its key is copied to the host, it never leaves the render otherwise). */
export function readHostTls(pki: HostsPki, host: string): HostTlsMaterial {
  const files = pki.host(host);
  return {
    caCert: readFileSync(pki.caFile, 'utf8'),
    cert: readFileSync(files.certFile, 'utf8'),
    key: readFileSync(files.keyFile, 'utf8'),
    endpointCert: readFileSync(pki.endpoint.certFile, 'utf8'),
    endpointKey: readFileSync(pki.endpoint.keyFile, 'utf8'),
  };
}

/** Runs `make` in a fresh 0700 dir inside `dir`, then moves its `key` and `crt` into place (key first). */
function issue(dir: string, make: (tmp: string) => void, to: { key: string; crt: string }): void {
  const tmp = mkdtempSync(join(dir, '.issue-'));
  try {
    try {
      make(tmp);
    } catch (cause) {
      throw pkiError(dir, `openssl failed: ${describeCause(cause)}`, cause);
    }
    chmodSync(join(tmp, 'key'), 0o600);
    chmodSync(join(tmp, 'crt'), 0o644);
    renameSync(join(tmp, 'key'), to.key);
    renameSync(join(tmp, 'crt'), to.crt);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** An empty 0600 file for openssl to write a key into, so the key is never readable by others, even briefly. */
function privateFile(path: string): string {
  writeFileSync(path, '', { mode: 0o600 });
  return path;
}

function readCert(path: string): X509Certificate | undefined {
  try {
    return new X509Certificate(readFileSync(path));
  } catch {
    return undefined;
  }
}

function keyMatches(cert: X509Certificate, keyFile: string): boolean {
  try {
    return cert.checkPrivateKey(createPrivateKey(readFileSync(keyFile)));
  } catch {
    return false;
  }
}

/** Valid for a while yet. validFrom gets a day of slack: a certificate issued a second after `now` is fine. */
function fresh(cert: X509Certificate, now: number): boolean {
  return Date.parse(cert.validFrom) <= now + 24 * 3600 * 1000 && Date.parse(cert.validTo) - now > RENEW_BEFORE_MS;
}

function validCa(caFile: string, caKey: string, now: number): X509Certificate | undefined {
  if (!existsSync(caFile) || !existsSync(caKey)) return undefined;
  const ca = readCert(caFile);
  return ca && ca.ca && fresh(ca, now) && keyMatches(ca, caKey) ? ca : undefined;
}

function validLeaf(files: PkiFiles, ca: X509Certificate, sans: string[], now: number): boolean {
  if (!existsSync(files.certFile) || !existsSync(files.keyFile)) return false;
  const cert = readCert(files.certFile);
  if (
    !cert ||
    !cert.checkIssued(ca) ||
    !cert.verify(ca.publicKey) ||
    !fresh(cert, now) ||
    !keyMatches(cert, files.keyFile)
  )
    return false;
  return sameSans(cert.subjectAltName, sans);
}

/** Node writes SANs as "IP Address:10.0.0.1, DNS:s1"; compare as sets of openssl's "IP:..."/"DNS:..." form. */
function sameSans(actual: string | undefined, wanted: string[]): boolean {
  const have = (actual ?? '')
    .split(', ')
    .filter(Boolean)
    .map((s) => s.replace(/^IP Address:/, 'IP:'))
    .sort();
  return JSON.stringify(have) === JSON.stringify([...wanted].sort());
}

function pkiError(dir: string, why: string, cause?: unknown): GardenError {
  return new GardenError('SETUP_FAILED', `Could not make the hosts' TLS certificates in ${dir}: ${why}.`, {
    hint: 'check that openssl is installed (`gardenos setup` installs it) and that the state dir is writable; files already there are kept',
    cause,
    exitCode: 1,
  });
}
