// Unit tests of relevantDifferences: Kubernetes-only changes and pre-app-layer state dirs do not block `up`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSpec } from '../spec/index.js';
import { relevantDifferences } from './spec-drift.js';

const load = (text: string) => loadSpec(text, { source: 't', defaultStateDir: (n) => `/srv/${n}` });
const stored = (text: string) => JSON.parse(JSON.stringify(load(text))) as Record<string, unknown>;

describe('relevantDifferences', () => {
  test('k8s and routing changes do not matter locally', () => {
    assert.deepEqual(
      relevantDifferences(
        stored(''),
        load('k8s: { namespace: other, etcdEndpoints: [e:2379] }\nrouting: { host: x.example }\n'),
      ),
      [],
    );
  });
  test('a spec stored before the app layer existed equals supabase off and no services', () => {
    const old = Object.fromEntries(
      Object.entries(stored('')).filter(([k]) => !['k8s', 'supabase', 'services', 'routing'].includes(k)),
    );
    assert.deepEqual(relevantDifferences(old, load('')), []);
    assert.deepEqual(relevantDifferences(old, load('supabase: { enabled: true }\n')), ['supabase']);
  });
  test("a spec stored before the services' own role and user equals their defaults", () => {
    const old = stored('');
    delete (old.postgres as Record<string, unknown>).app;
    delete (old.local as Record<string, unknown>).serviceUser;
    assert.deepEqual(relevantDifferences(old, load('')), []);
    assert.deepEqual(relevantDifferences(old, load('postgres: { app: { role: svc } }\n')), ['postgres.app.role']);
    assert.deepEqual(relevantDifferences(old, load('local: { serviceUser: nobody }\n')), ['local.serviceUser']);
  });
  test('a spec stored before monitoring.alertmanager runs none: Alertmanager off is no change, on is one', () => {
    const old = stored('');
    delete (old.monitoring as Record<string, unknown>).alertmanager;
    assert.deepEqual(relevantDifferences(old, load('')), []);
    assert.deepEqual(relevantDifferences(old, load('monitoring: { alertmanager: { enabled: true } }\n')), [
      'monitoring.alertmanager.enabled',
    ]);
  });
  test('a spec stored before the pooler runs none: the default (pooler on) is a change, pooler off is not', () => {
    const old = stored('local: { basePort: 16000 }\n');
    delete old.pooler;
    assert.deepEqual(relevantDifferences(old, load('local: { basePort: 16000 }\n')), ['pooler.enabled']);
    assert.deepEqual(relevantDifferences(old, load('local: { basePort: 16000 }\npooler: { enabled: false }\n')), []);
  });
  test('changing services, Supabase or the database still counts', () => {
    assert.deepEqual(
      relevantDifferences(stored(''), load('services:\n  - { name: api, command: [x], port: 18080 }\n')),
      ['services[0]'],
    );
    assert.deepEqual(relevantDifferences(stored(''), load('postgres: { ttl: 30 }\n')), ['postgres.ttl']);
  });
});
