import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { readStartTime } from '../local/index.js';
import { THREE_HOSTS_YAML, hostsSpec } from '../render/hosts/fixtures.js';
import { childrenScript, identityScript, parseIdentities, serviceOfComponent, signalScript } from './verify-env.js';

// The scripts run on a host through sh; here they run on this machine's /proc, which is the same.
const sh = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8' });

function sleeper() {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  return { pid: child.pid!, child, exited: new Promise((r) => child.once('exit', (_code, sig) => r(sig))) };
}

describe('process identity on a host', () => {
  test('identityScript reads the start time /proc gives, and nothing for a pid that does not exist', () => {
    const s = sleeper();
    try {
      const ids = parseIdentities(sh(identityScript([s.pid, 999_999_999])));
      assert.deepEqual(ids, [{ pid: s.pid, startTime: readStartTime(s.pid) }]);
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  test('childrenScript lists the direct children of a pid', () => {
    const s = sleeper();
    try {
      const kids = parseIdentities(sh(childrenScript(process.pid)));
      assert.ok(
        kids.some((k) => k.pid === s.pid && k.startTime === readStartTime(s.pid)),
        JSON.stringify(kids),
      );
      assert.deepEqual(parseIdentities(sh(childrenScript(s.pid))), [], 'sleep has no children');
    } finally {
      s.child.kill('SIGKILL');
    }
  });

  test('signalScript signals only a process whose start time is still the recorded one', async () => {
    const s = sleeper();
    const startTime = readStartTime(s.pid)!;
    sh(signalScript([{ label: 'x', id: { pid: s.pid, startTime: String(Number(startTime) + 1) } }], 'SIGKILL'));
    assert.ok(readStartTime(s.pid), 'a process with another start time (a reused pid) is left alone');
    sh(signalScript([{ label: 'x', id: { pid: s.pid, startTime } }], 'SIGKILL'));
    assert.equal(await s.exited, 'SIGKILL');
  });

  test('signalScript takes only signal names', () => {
    assert.throws(() => signalScript([], 'KILL; rm -rf /' as NodeJS.Signals), /not a signal name/);
  });
});

describe('serviceOfComponent', () => {
  test('patroni and etcd by host; haproxy and router on the first haproxy host (the primary endpoint)', () => {
    const spec = hostsSpec(THREE_HOSTS_YAML);
    const [first, second] = spec.hosts!;
    assert.deepEqual(serviceOfComponent(spec, `patroni-${second!.name}`), {
      host: second!.name,
      service: 'gardenos-patroni',
    });
    assert.deepEqual(serviceOfComponent(spec, `etcd-${first!.name}`), { host: first!.name, service: 'gardenos-etcd' });
    assert.deepEqual(serviceOfComponent(spec, 'haproxy'), { host: first!.name, service: 'gardenos-haproxy' });
    assert.deepEqual(serviceOfComponent(spec, 'router'), { host: first!.name, service: 'gardenos-router' });
    assert.equal(serviceOfComponent(spec, 'pgbouncer'), undefined);
  });
});
