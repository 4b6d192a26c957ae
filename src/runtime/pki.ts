// A private CA and the leaf certificates signed by it, in one 0700 directory: the hosts target's
// PKI and the local platform's are both made here.
//
// Made with the openssl CLI; key material only ever goes to files in a 0700 directory (never to a
// command line or an environment variable). Idempotent: a certificate that is still valid, signed by
// the CA, matches its key and names the SANs asked for is reused, so rendering twice gives the same
// bytes. Anything else (missing, expiring, a changed address) is issued again.
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
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
import type { OsUser } from './os-user.js';

/** Runs `openssl ARGS` (throws on failure); tests may count the calls. */
export type OpensslRunner = (args: string[]) => void;

export const runOpenssl: OpensslRunner = (args) => {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
};

export interface PkiFiles {
  certFile: string;
  keyFile: string;
}

export interface LeafRequest {
  /** Short name for progress and errors ("s1", "patroni"). */
  id: string;
  files: PkiFiles;
  cn: string;
  /** openssl's form: "IP:10.0.0.1", "DNS:s1". */
  sans: string[];
  /** extendedKeyUsage: "serverAuth,clientAuth", "clientAuth". */
  usage: string;
  /** Who may read the key (0600, owned by this user): the one process that presents it. */
  owner?: OsUser;
}

export interface PkiRequest {
  dir: string;
  /** 0700 unless a component running as another user must reach its own key in here (each key is 0600). */
  dirMode?: number;
  /** The CA's certificate; its key is ca.key next to it, 0600 and read by gardenos only. */
  caFile: string;
  caName: string;
  leaves: LeafRequest[];
  /** For messages: "the hosts' TLS certificates". */
  what: string;
}

export interface PkiResult {
  issued: string[];
  reused: string[];
}

export const CA_DAYS = 3650;
export const CERT_DAYS = 825;
/** A certificate that expires sooner than this is issued again. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

/** Creates what is missing or no longer fits: the CA, then each leaf. */
export function ensurePki(req: PkiRequest, openssl: OpensslRunner = runOpenssl, now = Date.now()): PkiResult {
  const { dir } = req;
  const fail = (why: string, cause?: unknown) => pkiError(req, why, cause);
  mkdirSync(dir, { recursive: true, mode: req.dirMode ?? 0o700 });
  chmodSync(dir, req.dirMode ?? 0o700);
  const issued: string[] = [];
  const reused: string[] = [];
  const caKey = join(dir, 'ca.key');
  let ca = validCa(req.caFile, caKey, now);
  if (!ca) {
    issue(
      dir,
      fail,
      (tmp) => {
        newKey(openssl, join(tmp, 'key'));
        openssl([
          'req',
          '-x509',
          '-new',
          '-key',
          join(tmp, 'key'),
          '-subj',
          `/CN=${req.caName}`,
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
      { key: caKey, crt: req.caFile },
    );
    // Judged by the real clock: `now` may be a planning time (tests), a fresh CA is valid from today.
    ca = validCa(req.caFile, caKey, Date.now());
    if (!ca) throw fail('the CA openssl just made does not verify');
    issued.push('ca');
  } else reused.push('ca');
  for (const leaf of req.leaves) {
    if (validLeaf(leaf.files, ca, leaf.sans, now)) {
      reused.push(leaf.id);
    } else {
      issue(
        dir,
        fail,
        (tmp) => {
          newKey(openssl, join(tmp, 'key'));
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
            req.caFile,
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
        throw fail(`the certificate of ${leaf.id} openssl just made does not verify`);
      issued.push(leaf.id);
    }
    // Every run: the key belongs to the one user that presents it, and nobody else reads it.
    if (leaf.owner) chownSync(leaf.files.keyFile, leaf.owner.uid, leaf.owner.gid);
    chmodSync(leaf.files.keyFile, 0o600);
  }
  return { issued, reused };
}

/** Runs `make` in a fresh 0700 dir inside `dir`, then moves its `key` and `crt` into place (key first). */
function issue(
  dir: string,
  fail: (why: string, cause?: unknown) => GardenError,
  make: (tmp: string) => void,
  to: { key: string; crt: string },
): void {
  const tmp = mkdtempSync(join(dir, '.issue-'));
  try {
    try {
      make(tmp);
    } catch (cause) {
      throw fail(`openssl failed: ${describeCause(cause)}`, cause);
    }
    chmodSync(join(tmp, 'key'), 0o600);
    chmodSync(join(tmp, 'crt'), 0o644);
    renameSync(join(tmp, 'key'), to.key);
    renameSync(join(tmp, 'crt'), to.crt);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** A new P-256 private key, written into a file that is 0600 before the key reaches it. */
function newKey(openssl: OpensslRunner, path: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', privateFile(path)]);
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

function pkiError(req: PkiRequest, why: string, cause?: unknown): GardenError {
  return new GardenError('SETUP_FAILED', `Could not make ${req.what} in ${req.dir}: ${why}.`, {
    hint: 'check that openssl is installed (`gardenos setup` installs it) and that the state dir is writable; files already there are kept',
    cause,
  });
}
