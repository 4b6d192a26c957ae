// The rendered Patroni ConfigMap plus the StatefulSet's env, resolved from the rendered Secrets, passes
// `patroni --validate-config` (the real Patroni). etcd endpoints point at local TCP listeners, since
// the validator connects to each host.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INSTALL_COMMAND } from '../../local/index.js';
import { findOnPath } from '../../runtime/index.js';
import { FAKE_ETCD_TLS, FAKE_SECRETS, specFrom } from './fixtures.js';
import { allObjects, renderK8s, type K8sObject } from './index.js';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}

const servers: Server[] = [];
const listen = () =>
  new Promise<number>((resolve) => {
    const s = createServer((c) => c.end()).listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port));
    servers.push(s);
  });

/** What the kubelet would put in the container's environment. */
function resolveEnv(env: EnvVar[], secrets: K8sObject[]): Record<string, string> {
  const out: Record<string, string> = {};
  const fields: Record<string, string> = { 'status.podIP': '10.42.1.7', 'metadata.name': 'garden-postgres-0' };
  for (const e of env) {
    if (e.value !== undefined) out[e.name] = e.value.replace(/\$\((\w+)\)/g, (_, v: string) => out[v] ?? '');
    else if (e.valueFrom?.fieldRef) out[e.name] = fields[e.valueFrom.fieldRef.fieldPath]!;
    else if (e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      const data = (secrets.find((s) => s.metadata.name === ref.name)?.data ?? {}) as Record<string, string>;
      assert.ok(data[ref.key], `Secret ${ref.name} has key ${ref.key}`);
      out[e.name] = Buffer.from(data[ref.key]!, 'base64').toString();
    }
  }
  return out;
}

function validate(file: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  const patroni = findOnPath('patroni');
  assert.ok(patroni, `patroni is not installed; install it with: ${INSTALL_COMMAND}`);
  return new Promise((resolve) => {
    execFile(
      patroni,
      ['--validate-config', file],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: `${stdout}${stderr}` });
      },
    );
  });
}

describe('patroni --validate-config on the Kubernetes Patroni config', () => {
  after(() => servers.forEach((s) => s.close()));

  test('accepts the ConfigMap with the env the StatefulSet provides, and rejects it without that env', async () => {
    const ports = [await listen(), await listen(), await listen()];
    const spec = specFrom(`k8s:\n  etcdEndpoints: [${ports.map((p) => `127.0.0.1:${p}`).join(', ')}]\n`);
    const objs = allObjects(renderK8s({ spec, secrets: FAKE_SECRETS, etcdTls: FAKE_ETCD_TLS }));
    const config = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'garden-patroni') as K8sObject & {
      data: Record<string, string>;
    };
    const sts = objs.find((o) => o.kind === 'StatefulSet') as K8sObject & {
      spec: { template: { spec: { containers: { env: EnvVar[] }[] } } };
    };
    const file = join(mkdtempSync(join(tmpdir(), 'gardenos-k8s-patroni-')), 'patroni.yml');
    writeFileSync(file, config.data['patroni.yml']!);
    const env = resolveEnv(
      sts.spec.template.spec.containers[0]!.env,
      objs.filter((o) => o.kind === 'Secret'),
    );
    assert.equal(env.PATRONI_RESTAPI_CONNECT_ADDRESS, '10.42.1.7:8008');
    const ok = await validate(file, env);
    assert.equal(ok.code, 0, ok.output);
    const withoutEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !/CONNECT_ADDRESS|USERNAME/.test(k)));
    const bad = await validate(file, withoutEnv);
    assert.notEqual(bad.code, 0);
    assert.match(bad.output, /restapi\.connect_address/);
    assert.match(bad.output, /postgresql\.authentication/);
  });
});
