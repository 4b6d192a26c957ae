// gardenos's exporter: real statfs figures per member, backup facts cached, and no stale figure after a read error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { createExporterRegistry } from './node-exporter.js';

const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

test('data dirs: free and size of the real filesystem, per member; an unreadable one reports nothing', async () => {
  const r = createExporterRegistry({
    dataDirs: [
      { member: 'pg1', path: tmpdir() },
      { member: 'pg2', path: '/nonexistent/gardenos' },
    ],
  });
  const text = await r.metrics();
  const free = value(text, 'gardenos_data_dir_free_bytes{member="pg1"}');
  const size = value(text, 'gardenos_data_dir_size_bytes{member="pg1"}');
  assert.ok(free !== undefined && size !== undefined && size > 0 && free <= size, text);
  assert.equal(value(text, 'gardenos_data_dir_free_bytes{member="pg2"}'), undefined);
  assert.equal(value(text, 'gardenos_exporter_source_up{source="disk-pg2"}'), 0);
  assert.doesNotMatch(text, /gardenos_backup_count/);
});

test('backups: read at most once per cache period; a failing read drops the figures', async () => {
  let calls = 0;
  let fail = false;
  let now = 1000;
  const r = createExporterRegistry({
    dataDirs: [],
    backupCacheMs: 60_000,
    now: () => now,
    readBackups: async () => {
      calls++;
      if (fail) throw new Error('repository gone');
      return { lastCompletedS: 1700000000, count: 2 };
    },
  });
  let text = await r.metrics();
  assert.equal(value(text, 'gardenos_backup_count{stanza="main"}'), 2);
  assert.equal(value(text, 'gardenos_backup_last_completed_timestamp_seconds{stanza="main"}'), 1700000000);
  await r.metrics();
  assert.equal(calls, 1);
  fail = true;
  now += 60_000;
  text = await r.metrics();
  assert.equal(calls, 2);
  assert.equal(value(text, 'gardenos_backup_count{stanza="main"}'), undefined);
  assert.equal(value(text, 'gardenos_backup_last_completed_timestamp_seconds{stanza="main"}'), undefined);
  assert.equal(value(text, 'gardenos_exporter_source_up{source="backup"}'), 0);
});
