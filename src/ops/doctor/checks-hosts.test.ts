// The hosts target's own checks: silent on healthy hosts, each fault named with its fix, skipped on one machine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { THREE_HOSTS_YAML, hostsSpec } from '../../render/hosts/fixtures.js';
import { hostsClock, hostsPrimaryRoutes, hostsReachable, hostsServices } from './checks-hosts.js';
import { fakeContext, healthyWorld } from './fake-env.js';
import { HOSTS_CHECKS } from './registry.js';
import type { Check, DoctorContext, HostsFacts, Maybe, PgProbe, Problem } from './types.js';

const spec = hostsSpec(THREE_HOSTS_YAML);
const NAMES = ['s1', 's2', 's3'];
type Servers = { backend: string; server: string; status: string }[];

interface HostsWorld {
  errors: Record<string, string>;
  states: Record<string, Record<string, string>>;
  clocks: Record<string, number>;
  /** Half the round trip of every clock reading. */
  clockUncertaintyMs: number;
  stats: Record<string, Maybe<Servers>>;
  recovery: Record<string, boolean>;
}

function healthyHosts(): HostsWorld {
  const routes: Servers = NAMES.flatMap((n) => [
    { backend: 'primary', server: n, status: n === 's1' ? 'UP' : 'DOWN' },
    { backend: 'replicas', server: n, status: n === 's1' ? 'DOWN' : 'UP' },
  ]);
  return {
    errors: {},
    states: {},
    clocks: { s1: 3, s2: -40, s3: 120 },
    clockUncertaintyMs: 5,
    stats: Object.fromEntries(NAMES.map((n) => [n, { ok: true, value: routes }])),
    recovery: { s1: false, s2: false, s3: false },
  };
}

function facts(h: HostsWorld): HostsFacts {
  const services = ['gardenos-etcd', 'gardenos-patroni', 'gardenos-haproxy', 'gardenos-router'];
  return {
    maxClockSkewMs: 1000,
    hosts: spec.hosts!.map((x) => ({
      name: x.name,
      address: x.address,
      ...(h.errors[x.name] ? { error: h.errors[x.name] } : {}),
      services: services.map((name) => ({ name, state: h.states[x.name]?.[name] ?? 'running' })),
      clockOffsetMs: h.clocks[x.name] ?? Number.NaN,
      clockUncertaintyMs: h.clockUncertaintyMs,
    })),
    haproxyServers: async (host) => h.stats[host]!,
    primaryPortProbe: async (host): Promise<Maybe<PgProbe>> => ({ ok: true, value: { inRecovery: h.recovery[host]! } }),
  };
}

function context(h: HostsWorld): DoctorContext {
  const w = healthyWorld();
  w.members = NAMES.map((name) => ({
    name,
    role: name === 's1' ? 'leader' : 'replica',
    state: name === 's1' ? 'running' : 'streaming',
    lag: name === 's1' ? undefined : 0,
  })) as typeof w.members;
  return fakeContext(w, { spec, heal: '`gardenos provision`', hosts: facts(h) });
}

async function problems(check: Check, h: HostsWorld): Promise<Problem[]> {
  const r = await check.run(context(h));
  assert.ok(Array.isArray(r), `${check.id} skipped: ${JSON.stringify(r)}`);
  return r;
}

const titles = (ps: Problem[]) => ps.map((p) => p.title).join(' | ');

describe('doctor on the hosts target', () => {
  const own = [hostsReachable, hostsServices, hostsClock, hostsPrimaryRoutes];

  it('runs its own checks and the network ones, not those of this machine', () => {
    const ids = HOSTS_CHECKS.map((c) => c.id);
    for (const c of own) assert.ok(ids.includes(c.id), c.id);
    for (const id of ['etcd.health', 'patroni.members', 'replication.lag', 'monitoring.alerts'])
      assert.ok(ids.includes(id), id);
    for (const id of ['host.binaries', 'host.ports-in-use', 'routing.backends-down', 'patroni.pg-hba'])
      assert.ok(!ids.includes(id), id);
  });

  it('is silent on healthy hosts', async () => {
    for (const c of own) assert.deepEqual(await problems(c, healthyHosts()), [], c.id);
  });

  it('names a host SSH cannot read, with the reason', async () => {
    const h = healthyHosts();
    h.errors.s2 = 'host s2 (10.20.0.12) presented an unknown host key SHA256:abc; pin it with hostKey';
    const ps = await problems(hostsReachable, h);
    assert.equal(ps.length, 1);
    assert.match(ps[0]!.title, /host s2 \(10\.20\.0\.12\) cannot be read over SSH/);
    assert.match(ps[0]!.evidence, /unknown host key/);
  });

  it('names a stopped service and where to read why', async () => {
    const h = healthyHosts();
    h.states.s3 = { 'gardenos-patroni': 'failed' };
    const ps = await problems(hostsServices, h);
    assert.match(titles(ps), /on s3, gardenos-patroni is not running/);
    assert.match(ps[0]!.fix, /gardenos provision --only s3/);
    assert.match(ps[0]!.fix, /gardenos logs s3\/patroni/);
    const never = healthyHosts();
    never.states.s1 = Object.fromEntries(
      ['gardenos-etcd', 'gardenos-patroni', 'gardenos-haproxy', 'gardenos-router'].map((n) => [n, 'missing']),
    );
    assert.match((await problems(hostsServices, never))[0]!.cause, /never provisioned/);
  });

  it('warns when the clocks disagree by more than a second', async () => {
    const h = healthyHosts();
    h.clocks.s2 = 1500;
    const ps = await problems(hostsClock, h);
    assert.equal(ps[0]?.severity, 'warning');
    assert.match(ps[0]!.title, /differ by at least 1487 ms/);
    assert.match(ps[0]!.evidence, /s2 \+1500 ms \(±5\)/);
  });

  it('does not call clocks skewed when slow round trips (a busy machine) explain the spread', async () => {
    const h = healthyHosts();
    h.clocks.s2 = 1500;
    h.clockUncertaintyMs = 400;
    assert.deepEqual(await problems(hostsClock, h), []);
  });

  it("names each host's HAProxy that routes wrong or does not answer, and a primary port in recovery", async () => {
    const h = healthyHosts();
    h.stats.s2 = {
      ok: true,
      value: [
        { backend: 'primary', server: 's1', status: 'UP' },
        { backend: 'primary', server: 's2', status: 'UP' },
      ],
    };
    h.stats.s3 = { ok: false, error: 'connect ECONNREFUSED 10.20.0.13:7000' };
    h.recovery.s1 = true;
    const t = titles(await problems(hostsPrimaryRoutes, h));
    assert.match(t, /HAProxy on s2 sends the primary port to s2, not \(only\) the leader s1/);
    assert.match(t, /HAProxy on s3 does not answer on its stats page/);
    assert.match(t, /the primary port on s1 reaches a server in recovery/);
  });

  it('skips its checks on the local target', async () => {
    for (const c of own) {
      const r = await c.run(fakeContext(healthyWorld()));
      assert.ok(!Array.isArray(r) && /no hosts/.test(r.skipped), c.id);
    }
  });
});
