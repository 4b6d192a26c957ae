import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SPLIT_ROLES_YAML, THREE_HOSTS_YAML, hostsSpec } from '../render/hosts/fixtures.js';
import { logCommand, selectLogSources } from './logs.js';

const names = (spec: ReturnType<typeof hostsSpec>, wanted?: string) =>
  selectLogSources(spec, wanted).map((s) => `${s.host.name}/${s.kind}`);

describe('hosts logs: which logs a name selects', () => {
  const three = hostsSpec(THREE_HOSTS_YAML);
  const split = hostsSpec(SPLIT_ROLES_YAML);

  it('a host means its services, a kind means that service wherever it runs', () => {
    assert.deepEqual(names(split, 'p1'), ['p1/patroni', 'p1/postgres-exporter', 'p1/exporter']);
    // Prometheus on the first haproxy host.
    assert.deepEqual(names(split, 'prometheus'), ['e3/prometheus']);
    assert.deepEqual(names(split, 'etcd'), ['e1/etcd', 'e2/etcd', 'e3/etcd']);
    assert.deepEqual(names(split, 'haproxy'), ['e3/haproxy', 'p2/haproxy']);
    // PgBouncer runs beside every HAProxy (pooler.enabled by default).
    assert.deepEqual(names(split, 'pgbouncer'), ['e3/pgbouncer', 'p2/pgbouncer']);
    assert.deepEqual(names(three, 's2/patroni'), ['s2/patroni']);
  });

  it('no name means every service log but the supervisor', () => {
    const all = names(three);
    assert.ok(all.includes('s1/etcd') && all.includes('s3/haproxy'));
    assert.ok(!all.some((n) => n.endsWith('/supervisor')));
    assert.deepEqual(names(three, 'supervisor'), ['s1/supervisor', 's2/supervisor', 's3/supervisor']);
  });

  it('a name that matches nothing is a usage error naming what exists', () => {
    assert.throws(
      () => selectLogSources(split, 'p1/etcd'),
      (err: Error & { code?: string; hint?: string }) =>
        err.code === 'USAGE' && /e1, e2, e3, p1, p2/.test(err.hint ?? ''),
    );
    assert.throws(() => selectLogSources(split, 'postgres'), /No log "postgres"/);
  });
});

describe('hosts logs: the command that reads one', () => {
  it('reads the journal under systemd and the supervisor log files elsewhere, following when asked', () => {
    assert.equal(
      logCommand('systemd', 'patroni', { lines: 20, follow: false }),
      "journalctl --no-pager -o short-iso -u 'gardenos-patroni' -n 20",
    );
    assert.equal(
      logCommand('supervisor', 'etcd', { lines: 5, follow: true }),
      "tail -n 5 -F -- '/var/log/gardenos/gardenos-etcd.log' 2>/dev/null || true",
    );
  });

  it('has no K3s log without systemd and no supervisor log with it', () => {
    assert.equal(logCommand('supervisor', 'k3s', { lines: 5, follow: false }), undefined);
    assert.equal(logCommand('systemd', 'supervisor', { lines: 5, follow: false }), undefined);
    assert.match(logCommand('systemd', 'k3s', { lines: 5, follow: false })!, /-u 'k3s'/);
  });
});
