// Unit tests of the readiness rules deploy waits on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GardenError } from '../errors.js';
import type { LiveObject } from './cluster-api.js';
import { leaderReadiness, readiness } from './readiness.js';

const obj = (kind: string, spec: unknown, status: unknown, generation = 2): LiveObject =>
  ({ apiVersion: 'apps/v1', kind, metadata: { name: 'x', namespace: 'n', generation }, spec, status }) as LiveObject;

describe('readiness', () => {
  test('a StatefulSet is ready when the controller saw this generation and every replica is ready and updated', () => {
    assert.match(
      readiness(obj('StatefulSet', { replicas: 3 }, { observedGeneration: 1, readyReplicas: 3, updatedReplicas: 3 }))!,
      /not seen the new spec/,
    );
    assert.equal(
      readiness(obj('StatefulSet', { replicas: 3 }, { observedGeneration: 2, readyReplicas: 2, updatedReplicas: 3 })),
      '2 of 3 pods ready (3 updated)',
    );
    assert.equal(
      readiness(obj('StatefulSet', { replicas: 3 }, { observedGeneration: 2, readyReplicas: 3, updatedReplicas: 3 })),
      undefined,
    );
  });
  test('a Deployment needs available and updated replicas', () => {
    assert.equal(
      readiness(
        obj('Deployment', { replicas: 2 }, { observedGeneration: 2, availableReplicas: 2, updatedReplicas: 1 }),
      ),
      '2 of 2 replicas available',
    );
    assert.equal(
      readiness(
        obj('Deployment', { replicas: 2 }, { observedGeneration: 2, availableReplicas: 2, updatedReplicas: 2 }),
      ),
      undefined,
    );
  });
  test('a Job is ready once it succeeded; a failed one is a verdict, not a wait', () => {
    assert.match(readiness(obj('Job', {}, { active: 1 }))!, /not complete/);
    assert.equal(readiness(obj('Job', {}, { succeeded: 1 })), undefined);
    assert.throws(
      () =>
        readiness(
          obj('Job', {}, { conditions: [{ type: 'Failed', status: 'True', message: 'BackoffLimitExceeded' }] }),
        ),
      (e: unknown) => e instanceof GardenError && e.code === 'DEPLOY_FAILED',
    );
  });
  test('objects without a status to wait for are ready at once', () => {
    assert.equal(readiness(obj('ConfigMap', undefined, undefined)), undefined);
  });
  test('the leader: exactly one Ready pod labelled role=primary', () => {
    const pod = (name: string, ready: boolean) =>
      ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
      }) as LiveObject;
    assert.match(leaderReadiness([])!, /no pod is labelled role=primary/);
    assert.match(leaderReadiness([pod('a', true), pod('b', true)])!, /2 pods/);
    assert.match(leaderReadiness([pod('a', false)])!, /not Ready/);
    assert.equal(leaderReadiness([pod('a', true)]), undefined);
  });
});
