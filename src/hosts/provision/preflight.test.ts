// Preflight on facts gathered from hosts: the script runs in a real shell here; the checks are pure.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFacts, CLOCK_SCRIPT, FACTS_SCRIPT, parseClock, parseFacts, type HostFacts } from './preflight.js';

const facts = (host: string, extra: Partial<HostFacts> = {}): HostFacts => ({
  host,
  os: 'debian 12',
  init: 'systemd',
  initWhy: 'systemd is PID 1',
  freeKiB: 50 * 1024 * 1024,
  clockOffsetMs: 0,
  clockUncertaintyMs: 5,
  listening: new Map(),
  ...extra,
});
const needs = {
  ports: new Map([
    [
      's1',
      [
        { port: 2379, owner: 'etcd client' },
        { port: 5432, owner: 'PostgreSQL' },
      ],
    ],
  ]),
  minFreeKiB: 1024 * 1024,
  maxClockSkewMs: 1000,
};

describe('preflight', () => {
  test('the facts script runs in sh on this machine and parses', () => {
    const out = execFileSync('sh', ['-c', FACTS_SCRIPT], { encoding: 'utf8' });
    const t0 = Date.now();
    const clockOut = execFileSync('sh', ['-c', CLOCK_SCRIPT], { encoding: 'utf8' });
    const clock = parseClock(clockOut, t0, Date.now());
    const f = parseFacts('here', out, clock);
    assert.match(f.os, /^debian /);
    assert.ok(f.freeKiB > 0);
    // The same clock: the offset is within its uncertainty (plus the millisecond date rounds to).
    assert.ok(
      Math.abs(f.clockOffsetMs) <= f.clockUncertaintyMs + 1,
      `clock offset ${f.clockOffsetMs} ± ${f.clockUncertaintyMs}`,
    );
    // Whatever this machine runs as PID 1, the facts must say the same.
    const systemd = readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd' && existsSync('/run/systemd/system');
    assert.equal(f.init, systemd ? 'systemd' : 'supervisor');
  });

  test('a lab host never counts as systemd, even when PID 1 is systemd', () => {
    const out = 'os=debian 12\npid1=systemd\nsystemd-run=yes\nlab=yes\nfree=100\n';
    const clock = parseClock('clock=1000\n', 1000, 1000);
    assert.equal(parseFacts('h1', out, clock).init, 'supervisor');
    assert.equal(parseFacts('h1', out.replace('lab=yes', 'lab=no'), clock).init, 'systemd');
  });

  test('a clock reading is placed in the middle of its round trip, with half of it as uncertainty', () => {
    assert.deepEqual(parseClock('clock=10500\n', 10000, 10400), { offsetMs: 300, uncertaintyMs: 200 });
    assert.deepEqual(parseClock('no clock here', 0, 1), { offsetMs: Number.NaN, uncertaintyMs: Number.NaN });
  });

  test('not Debian 12, a full disk, a port held by another program and skewed clocks are each named with a fix', () => {
    const problems = checkFacts(
      [
        facts('s1', {
          os: 'ubuntu 24.04',
          freeKiB: 10,
          listening: new Map([
            [5432, '/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main'],
            [2379, '/usr/bin/etcd --config-file /etc/gardenos/etcd/etcd.yml'],
          ]),
        }),
        facts('s2', { clockOffsetMs: 1800 }),
      ],
      needs,
    );
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems[0]!, /host "s1" runs ubuntu 24.04, not Debian 12/);
    assert.match(problems[1]!, /0 MiB free/);
    assert.match(
      problems[2]!,
      /port 5432 \(for PostgreSQL\) is taken by `\/usr\/lib\/postgresql\/15\/bin\/postgres.*postgres service/,
    );
    assert.match(problems[3]!, /clocks differ by at least 1790 ms \(s1 \+0 ms \(±5\), s2 \+1800 ms \(±5\)\).*NTP/);
    assert.deepEqual(checkFacts([facts('s1'), facts('s2', { clockOffsetMs: 300 })], needs), []);
    // Spread by 1.8 s, but each read with a 2 s round trip: they may agree.
    const slow = { clockUncertaintyMs: 1000 };
    assert.deepEqual(checkFacts([facts('s1', slow), facts('s2', { clockOffsetMs: 1800, ...slow })], needs), []);
  });
});
