// The Kubernetes target's security: etcd over https with one client Secret, hardened pods, a narrow router Role.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { GardenError } from '../../errors.js';
import {
  FAKE_ETCD_TLS,
  FAKE_SECRETS,
  FULL_YAML,
  MINIMAL_YAML,
  specFrom,
  findObject,
  renderFixture,
} from './fixtures.js';
import { allObjects, assertRenderable, renderK8s } from './index.js';

const render = renderFixture;
const find = findObject;

describe('render --target k8s: security', () => {
  test("the router's ServiceAccount may list and watch pods, and get and patch only Patroni's pods, by name", () => {
    const objs = allObjects(render(FULL_YAML));
    assert.deepEqual(find(objs, 'Role', 'garden-router').rules, [
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
      {
        apiGroups: [''],
        resources: ['pods'],
        verbs: ['get', 'patch'],
        resourceNames: ['garden-postgres-0', 'garden-postgres-1', 'garden-postgres-2'],
      },
    ]);
    const router = find(objs, 'Deployment', 'garden-router');
    assert.equal(router.spec.template.spec.serviceAccountName, 'garden-router');
    assert.equal(router.spec.template.spec.containers[0].args[0], 'router');
  });

  test('every pod runs under the RuntimeDefault seccomp filter; only the router mounts a service-account token', () => {
    const pods = allObjects(render(FULL_YAML))
      .filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind))
      .map((o) => ({
        name: `${o.kind}/${o.metadata.name}`,
        pod: (o as unknown as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec,
      }));
    assert.ok(pods.length >= 6, pods.map((p) => p.name).join(', '));
    for (const { name, pod } of pods) {
      assert.deepEqual(
        (pod.securityContext as Record<string, unknown>).seccompProfile,
        { type: 'RuntimeDefault' },
        name,
      );
      assert.equal(pod.automountServiceAccountToken, name === 'Deployment/garden-router', name);
    }
  });

  test('etcd over https (the default): Patroni and the router mount one client Secret; without its files, a refusal', () => {
    const isRenderInput = (err: unknown) => err instanceof GardenError && err.code === 'RENDER_INPUT';
    const objs = allObjects(render(MINIMAL_YAML));
    const secret = objs.find((o) => o.kind === 'Secret' && o.metadata.name === 'garden-etcd-client') as
      { data: Record<string, string> } | undefined;
    assert.deepEqual(Object.keys(secret?.data ?? {}), ['ca.crt', 'tls.crt', 'tls.key']);
    assert.equal(Buffer.from(secret!.data['tls.key']!, 'base64').toString(), FAKE_ETCD_TLS.key);
    const patroni = parse(
      (
        objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'garden-patroni') as unknown as {
          data: Record<string, string>;
        }
      ).data['patroni.yml']!,
    ) as { etcd3: Record<string, unknown> };
    assert.deepEqual(patroni.etcd3, {
      hosts: ['etcd.internal:2379'],
      protocol: 'https',
      cacert: '/etc/gardenos/etcd-tls/ca.crt',
      cert: '/etc/gardenos/etcd-tls/tls.crt',
      key: '/etc/gardenos/etcd-tls/tls.key',
    });
    const router = JSON.stringify(objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'garden-router'));
    assert.match(router, /"--etcd","https:\/\/etcd\.internal:2379","--etcd-ca","\/etc\/gardenos\/etcd-tls\/ca\.crt"/);
    assert.match(router, /"secretName":"garden-etcd-client"/);
    assert.throws(
      () => renderK8s({ spec: specFrom(MINIMAL_YAML), secrets: FAKE_SECRETS }),
      (e: unknown) => isRenderInput(e) && /k8s\.etcdClientTls names no client certificate/.test((e as Error).message),
    );
    assert.throws(() => assertRenderable(specFrom('k8s:\n  etcdEndpoints: [etcd.internal:2379]\n')), isRenderInput);
  });

  test('etcd.scheme http (asked for): no etcd Secret, no mounts, no TLS flags', () => {
    const objs = allObjects(render('etcd: { scheme: http }\n' + MINIMAL_YAML));
    const text = JSON.stringify(objs);
    assert.doesNotMatch(text, /etcd-client|etcd-tls|--etcd-ca/);
  });
});
