// KubeClusterApi against a local HTTP stand-in for the API server: the wire format of server-side apply.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClusterApi } from './kube-cluster-api.js';

interface Seen {
  method: string;
  url: string;
  contentType: string;
  body: string;
}

const seen: Seen[] = [];
const RESOURCES = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [
    { name: 'namespaces', singularName: 'namespace', kind: 'Namespace', namespaced: false, verbs: ['get', 'patch'] },
    { name: 'pods', singularName: 'pod', kind: 'Pod', namespaced: true, verbs: ['get', 'list'] },
    { name: 'configmaps', singularName: 'configmap', kind: 'ConfigMap', namespaced: true, verbs: ['get', 'patch'] },
  ],
};

const body = async (req: IncomingMessage) => {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
};

const server = createServer((req, res) => {
  void body(req).then((text) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      contentType: String(req.headers['content-type'] ?? ''),
      body: text,
    });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const path = (req.url ?? '').split('?')[0];
    if (path === '/api/v1') return json(200, RESOURCES);
    if (req.method === 'PATCH')
      return json(200, { ...JSON.parse(text), metadata: { ...JSON.parse(text).metadata, generation: 1 } });
    if (req.method === 'GET' && path === '/api/v1/namespaces/gardenos/configmaps/missing')
      return json(404, { kind: 'Status', code: 404, reason: 'NotFound' });
    if (req.method === 'GET' && path === '/api/v1/namespaces/gardenos/pods') {
      return json(200, {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: {},
        items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'garden-postgres-1', namespace: 'gardenos' } }],
      });
    }
    return json(500, { kind: 'Status', code: 500 });
  });
});

describe('KubeClusterApi (HTTP stand-in, not a real API server)', () => {
  after(() => server.close());

  test('apply is a server-side apply PATCH with field manager gardenos; get maps 404 to undefined; list passes the selector', async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const api = new KubeClusterApi(kc);
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'garden-patroni', namespace: 'gardenos' },
      data: { a: 'b' },
    };
    const live = await api.apply(cm);
    assert.equal(live.metadata.generation, 1);
    const patch = seen.find((s) => s.method === 'PATCH')!;
    assert.ok(patch, 'a PATCH was sent');
    assert.equal(patch.contentType, 'application/apply-patch+yaml');
    const url = new URL(patch.url, 'http://x');
    assert.equal(url.pathname, '/api/v1/namespaces/gardenos/configmaps/garden-patroni');
    assert.equal(url.searchParams.get('fieldManager'), 'gardenos');
    assert.equal(url.searchParams.get('force'), 'true');
    assert.deepEqual(JSON.parse(patch.body), cm);
    assert.equal(
      await api.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'gardenos', name: 'missing' }),
      undefined,
    );
    const pods = await api.list('v1', 'Pod', 'gardenos', 'role=primary');
    assert.deepEqual(
      pods.map((p) => p.metadata.name),
      ['garden-postgres-1'],
    );
    const listed = seen.find((s) => s.url.startsWith('/api/v1/namespaces/gardenos/pods'))!;
    assert.equal(new URL(listed.url, 'http://x').searchParams.get('labelSelector'), 'role=primary');
  });
});
