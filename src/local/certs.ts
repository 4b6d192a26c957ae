// A private CA and one certificate for the local etcd cluster when spec.etcd.scheme is https.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EtcdTlsFiles } from '../render/index.js';
import type { OsUser } from '../runtime/os-user.js';

/** Creates the files once (openssl), readable by the PostgreSQL user so Patroni can present the client cert. */
export function etcdTlsFiles(certsDir: string): EtcdTlsFiles {
  return {
    caFile: join(certsDir, 'ca.crt'),
    certFile: join(certsDir, 'etcd.crt'),
    keyFile: join(certsDir, 'etcd.key'),
  };
}

export function ensureEtcdCerts(certsDir: string, address: string, pgUser?: OsUser): EtcdTlsFiles {
  const files = etcdTlsFiles(certsDir);
  if (existsSync(files.caFile) && existsSync(files.certFile) && existsSync(files.keyFile)) return files;
  mkdirSync(certsDir, { recursive: true, mode: 0o755 });
  const caKey = join(certsDir, 'ca.key');
  const csr = join(certsDir, 'etcd.csr');
  const ext = join(certsDir, 'etcd.ext');
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    files.caFile,
    '-days',
    '3650',
    '-subj',
    '/CN=gardenos-etcd-ca',
  ]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', files.keyFile, '-out', csr, '-subj', '/CN=gardenos-etcd']);
  writeFileSync(
    ext,
    `subjectAltName=IP:${address},IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n`,
  );
  run([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    files.caFile,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    files.certFile,
    '-days',
    '3650',
    '-extfile',
    ext,
  ]);
  if (pgUser) chownSync(files.keyFile, pgUser.uid, pgUser.gid);
  return files;
}
