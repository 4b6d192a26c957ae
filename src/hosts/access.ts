// PlatformAccess on the hosts target: the members over the network, with the platform's CA and the
// operator's client certificate from <stateDir>/hosts/pki, and the passwords from the hosts' secrets.
import { existsSync, readFileSync } from 'node:fs';
import { GardenError } from '../errors.js';
import { platformAccess, type PlatformAccess } from '../ops/access.js';
import { hostsWithRole, type Spec } from '../spec/index.js';
import { hostsPkiAt, hostsPkiDir } from './pki.js';
import { hostsSecretsFile, loadOrCreateHostsSecrets } from './secrets.js';

export function hostsAccess(spec: Spec): PlatformAccess {
  const stateDir = spec.local.stateDir;
  const pki = hostsPkiAt(hostsPkiDir(stateDir));
  const secretsFile = hostsSecretsFile(stateDir);
  const missing = [pki.caFile, pki.operator.certFile, pki.operator.keyFile, secretsFile].filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new GardenError(
      'NOT_RUNNING',
      `The hosts of ${spec.name} were never provisioned from this machine: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing, and without the platform's CA and passwords gardenos cannot talk to them.`,
      {
        hint: 'run `gardenos provision` with this spec, or point --state-dir at the state dir it was provisioned from',
      },
    );
  }
  const ca = readFileSync(pki.caFile);
  const cert = readFileSync(pki.operator.certFile);
  const key = readFileSync(pki.operator.keyFile);
  const haproxy = hostsWithRole(spec, 'haproxy')[0];
  return platformAccess(
    spec,
    loadOrCreateHostsSecrets(secretsFile).secrets,
    { host: haproxy?.address ?? '', port: spec.haproxy.primaryPort },
    { http: { ca, cert, key }, etcd: { caFile: pki.caFile, ...pki.operator }, pgCa: ca, caFile: pki.caFile },
  );
}
