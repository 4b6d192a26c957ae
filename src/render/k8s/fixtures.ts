// Test fixtures: specs and fixed fake secrets for the Kubernetes renderer tests and golden files.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpec, type Spec } from '../../spec/index.js';
import assert from 'node:assert/strict';
import { renderK8s } from './bundle.js';
import type { K8sComponent, K8sObject, K8sSecrets } from './meta.js';

export function specFrom(text: string): Spec {
  return loadSpec(text, { source: 'test', defaultStateDir: (name) => `/srv/${name}` });
}

export const FULL_YAML = `
name: garden
k8s:
  etcdEndpoints: [etcd1.internal:2379, etcd2.internal:2379, etcd3.internal:2379]
  etcdClientTls: { caFile: etcd/ca.crt, certFile: etcd/client.crt, keyFile: etcd/client.key }
  makeStorageClassDefault: true
supabase:
  enabled: true
  siteUrl: https://app.example.com
  apiExternalUrl: https://api.example.com
routing:
  host: api.example.com
  tlsSecret: api-example-com-tls
services:
  - name: main-api
    image: registry.example.com/main-api:1.4.2
    port: 8080
    needs: [primary, replicas]
    routes: [/api]
    env: { LOG_LEVEL: info }
  - name: agents
    image: registry.example.com/agents:0.9.0
    port: 8090
    needs: [replicas]
`;

/** FULL_YAML on the hosts tier: PostgreSQL on three servers, reached through their HAProxy. */
export const HOSTS_YAML =
  FULL_YAML +
  [1, 2, 3]
    .map(
      (i) => `${i === 1 ? 'hosts:\n' : ''}  - name: s${i}
    address: 10.20.0.${10 + i}
    hostKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHeh3iKpXsH+y6tMdkLyCYE+E0wv/Z4uz48LQhVRzzgE
`,
    )
    .join('');

export const INGRESS_YAML = FULL_YAML.replace(
  '  tlsSecret: api-example-com-tls\n',
  '  tlsSecret: api-example-com-tls\n  mode: ingress\n',
);

export const MINIMAL_YAML =
  'k8s:\n  etcdEndpoints: [etcd.internal:2379]\n  etcdClientTls: { caFile: ca.crt, certFile: client.crt, keyFile: client.key }\n';

/** The PEM texts k8s.etcdClientTls would name: fake, and recognisable outside their Secret. */
export const FAKE_ETCD_TLS = {
  ca: '-----BEGIN CERTIFICATE-----\nfake-etcd-ca-0011\n-----END CERTIFICATE-----\n',
  cert: '-----BEGIN CERTIFICATE-----\nfake-etcd-client-0012\n-----END CERTIFICATE-----\n',
  key: '-----BEGIN PRIVATE KEY-----\nfake-etcd-client-key-0013\n-----END PRIVATE KEY-----\n',
};

/** Fake but recognisable values: a test finds any of them outside a Secret. */
export const FAKE_SECRETS: K8sSecrets = {
  appPassword: 'fake-app-pw-0020',
  postgres: {
    superuserPassword: 'fake-superuser-pw-0001',
    replicationPassword: 'fake-replication-pw-0002',
    rewindPassword: 'fake-rewind-pw-0003',
    restapiPassword: 'fake-restapi-pw-0004',
  },
  supabase: {
    jwtSecret: 'fake-jwt-secret-0005-fake-jwt-secret-0005-fake-jwt',
    anonKey: 'fake.anon.key-0006',
    serviceRoleKey: 'fake.service.key-0007',
    passwords: {
      authenticator: 'fake-authenticator-pw-0008',
      supabase_auth_admin: 'fake-auth-admin-pw-0009',
      supabase_storage_admin: 'fake-storage-admin-pw-0010',
    },
  },
};

export function secretValues(s: K8sSecrets): string[] {
  return [
    ...Object.values(s.postgres),
    ...(s.supabase
      ? [s.supabase.jwtSecret, s.supabase.anonKey, s.supabase.serviceRoleKey, ...Object.values(s.supabase.passwords)]
      : []),
  ];
}

/** Writes FAKE_ETCD_TLS's files into dir and returns a k8s section naming them (relative to the spec there). */
export function k8sSpecWithEtcdTls(dir: string): string {
  writeFileSync(join(dir, 'etcd-ca.crt'), FAKE_ETCD_TLS.ca);
  writeFileSync(join(dir, 'etcd-client.crt'), FAKE_ETCD_TLS.cert);
  writeFileSync(join(dir, 'etcd-client.key'), FAKE_ETCD_TLS.key, { mode: 0o600 });
  return 'k8s:\n  etcdEndpoints: [etcd1.internal:2379]\n  etcdClientTls: { caFile: etcd-ca.crt, certFile: etcd-client.crt, keyFile: etcd-client.key }\n';
}

/** Renders a fixture spec with the fake secrets and etcd client certificate, as the tests of the target do. */
export function renderFixture(yaml: string): K8sComponent[] {
  return renderK8s({ spec: specFrom(yaml), secrets: FAKE_SECRETS, etcdTls: FAKE_ETCD_TLS });
}

/** The object of that kind and name among `objs`; fails the test when it is not rendered. */
export function findObject(objs: K8sObject[], kind: string, name: string) {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} is rendered`);
  return o as K8sObject & { spec: any; data: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Every fixture spec the target's tests run over (the golden files cover all but hosts). */
export const FIXTURES = [
  ['full', FULL_YAML],
  ['ingress', INGRESS_YAML],
  ['minimal', MINIMAL_YAML],
  ['hosts', HOSTS_YAML],
] as const;

export interface PodTemplate {
  /** kind/name of the workload. */
  workload: string;
  labels: Record<string, string>;
  spec: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** The pod template of every workload among `objs` (Deployment, StatefulSet, Job, DaemonSet). */
export function podTemplates(objs: K8sObject[]): PodTemplate[] {
  return objs
    .filter((o) => ['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(o.kind))
    .map((o) => {
      const template = (
        o as unknown as { spec: { template: { metadata: { labels: Record<string, string> }; spec: unknown } } }
      ).spec.template;
      return { workload: `${o.kind}/${o.metadata.name}`, labels: template.metadata.labels, spec: template.spec };
    });
}
