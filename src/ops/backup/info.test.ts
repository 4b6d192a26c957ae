import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseInfo } from './info.js';

const INFO = JSON.stringify([
  {
    name: 'garden',
    status: { code: 0, message: 'ok' },
    archive: [{ id: '15-1', min: '000000010000000000000001', max: '000000030000000000000009' }],
    backup: [
      {
        label: '20261122-003413F',
        type: 'full',
        timestamp: { start: 1795307653, stop: 1795307656 },
        info: { size: 23_000_000, repository: { delta: 3_000_000, size: 3_000_000 } },
        archive: { start: '000000010000000000000003', stop: '000000010000000000000003' },
      },
      {
        label: '20261122-003413F_20261122-003420I',
        type: 'incr',
        timestamp: { start: 1795307660, stop: 1795307661 },
        info: { size: 23_000_000, repository: { delta: 40_000 } },
      },
    ],
  },
]);

test('parseInfo reads backup sets with ISO times and the archived WAL range', () => {
  const info = parseInfo(INFO, 'garden');
  assert.equal(info.status, 'ok');
  assert.deepEqual(info.archive, { min: '000000010000000000000001', max: '000000030000000000000009' });
  assert.deepEqual(
    info.backups.map((b) => [b.label, b.type, b.stop, b.repoSizeBytes]),
    [
      ['20261122-003413F', 'full', '2026-11-22T00:34:16.000Z', 3_000_000],
      ['20261122-003413F_20261122-003420I', 'incr', '2026-11-22T00:34:21.000Z', 40_000],
    ],
  );
});

test('parseInfo on another stanza or an empty repository', () => {
  assert.equal(parseInfo(INFO, 'other').status, 'missing stanza');
  assert.deepEqual(
    parseInfo(JSON.stringify([{ name: 'garden', status: { message: 'missing stanza path' } }]), 'garden').backups,
    [],
  );
});
