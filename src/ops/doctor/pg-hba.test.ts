import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cidrContains, evaluateHba, parseHba } from './pg-hba.js';

test('cidrContains handles prefixes, host addresses and all', () => {
  assert.ok(cidrContains('172.21.0.0/16', '172.21.0.1/32'));
  assert.ok(cidrContains('10.0.0.0/8', '10.42.0.0/16'));
  assert.ok(!cidrContains('10.42.0.0/16', '10.0.0.0/8'));
  assert.ok(!cidrContains('127.0.0.1/32', '172.21.0.0/16'));
  assert.ok(cidrContains('all', '1.2.3.4/32'));
});

test('evaluateHba: allowed, SSL only, rejected, no entry (first match wins)', () => {
  const hba = parseHba(
    [
      '# comment',
      'local all all scram-sha-256',
      'hostssl all all 172.21.0.0/16 scram-sha-256',
      'host all all 10.0.0.0/8 reject',
      'host all all 10.0.0.0/8 scram-sha-256',
      'host all all 127.0.0.1/32 scram-sha-256',
    ].join('\n'),
  );
  assert.equal(evaluateHba(hba, '127.0.0.1/32', 'postgres').kind, 'allowed');
  const ssl = evaluateHba(hba, '172.21.0.0/16', 'postgres');
  assert.equal(ssl.kind, 'ssl-only');
  assert.equal(ssl.kind === 'ssl-only' && ssl.line.lineNo, 3);
  assert.equal(evaluateHba(hba, '10.1.0.0/16', 'postgres').kind, 'rejected');
  assert.equal(evaluateHba(hba, '192.168.0.0/24', 'postgres').kind, 'no-entry');
});
