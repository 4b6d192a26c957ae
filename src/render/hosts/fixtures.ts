// Test fixtures of the hosts target: a three-host spec and throwaway TLS material and secrets that unlock nothing.
import { readFileSync } from 'node:fs';
import { loadSpec, type Spec, type HostConfig } from '../../spec/index.js';
import type { HostRenderInput, HostsSecrets, HostTlsMaterial } from './model.js';

// A throwaway key made with ssh-keygen for the spec tests; it unlocks nothing.
const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHeh3iKpXsH+y6tMdkLyCYE+E0wv/Z4uz48LQhVRzzgE';

/** The journal's layout: three hybrid hosts with public addresses, backups on. */
export const THREE_HOSTS_YAML = [
  'name: journal',
  'hosts:',
  ...[1, 2, 3].map(
    (i) =>
      `  - { name: s${i}, address: 10.20.0.${10 + i}, publicAddress: 203.0.113.${10 + i}, hostKey: "${HOST_KEY}" }`,
  ),
  'postgres:',
  '  allowedClientCidrs: [10.42.0.0/16]',
  'backup: { enabled: true, repoPath: /var/lib/gardenos/pgbackrest/repo }',
  '',
].join('\n');

/** Five hosts with split roles and no public addresses: etcd on three, PostgreSQL on two, HAProxy and K3s apart. */
export const SPLIT_ROLES_YAML = [
  'name: split',
  'hosts:',
  `  - { name: e1, address: 10.30.0.1, roles: [etcd, k3s-server], hostKey: "${HOST_KEY}" }`,
  `  - { name: e2, address: 10.30.0.2, roles: [etcd, k3s-server], hostKey: "${HOST_KEY}" }`,
  `  - { name: e3, address: 10.30.0.3, roles: [etcd, haproxy], hostKey: "${HOST_KEY}" }`,
  `  - { name: p1, address: 10.30.0.4, roles: [postgres], hostKey: "${HOST_KEY}" }`,
  `  - { name: p2, address: 10.30.0.5, roles: [postgres, haproxy], hostKey: "${HOST_KEY}" }`,
  '',
].join('\n');

export function hostsSpec(yaml: string): Spec {
  return loadSpec(yaml, { source: 'test', defaultStateDir: (n) => `/srv/${n}` });
}

export function hostOf(spec: Spec, name: string): HostConfig {
  const host = spec.hosts?.find((h) => h.name === name);
  if (!host) throw new Error(`no host ${name}`);
  return host;
}

/** Values a leak test can search for; each is unique and not a substring of anything else rendered. */
export const FAKE_SECRETS: HostsSecrets = {
  superuserPassword: 'fakeSuperuserPw_0123456789abcd',
  replicationPassword: 'fakeReplicationPw_0123456789ab',
  rewindPassword: 'fakeRewindPw_0123456789abcdefg',
  restapiPassword: 'fakeRestapiPw_0123456789abcdef',
  haproxyStatsPassword: 'fakeStatsPw_0123456789abcdefgh',
  k3sToken: 'fakeK3sToken_0123456789abcdefg',
};

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
const read = (file: string) => readFileSync(`${FIXTURES}${file}`, 'utf8');

/** A throwaway CA and per-host certificates made by src/hosts/pki.ts for the journal spec (s1..s3). */
export function fixtureTls(host: string): HostTlsMaterial {
  const name = ['s1', 's2', 's3'].includes(host) ? host : 's1';
  // The fixtures have no endpoint or pooler certificate of their own; s1's and s2's stand in (only
  // their bytes matter here).
  return {
    caCert: read('ca.crt'),
    cert: read(`${name}.crt`),
    key: read(`${name}.key`),
    endpointCert: read('s1.crt'),
    endpointKey: read('s1.key'),
    poolerCert: read('s2.crt'),
    poolerKey: read('s2.key'),
  };
}

export const FIXTURE_LAUNCHER = '"""gardenos Patroni launcher (test stand-in)."""\n';

export function fixtureInput(host: string): HostRenderInput {
  return { secrets: FAKE_SECRETS, tls: fixtureTls(host), patroniLauncher: FIXTURE_LAUNCHER };
}
