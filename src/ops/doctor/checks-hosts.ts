// Checks only the hosts target has: each host reachable over SSH with its pinned key, gardenos's
// services running on it, clocks that agree, and every host's HAProxy sending the primary port to the
// leader alone. They read DoctorContext.hosts and skip on one machine.
import { BACKENDS } from '../../render/index.js';
import { clockList, leastClockSkew } from '../../runtime/index.js';
import { clusterView } from './checks-patroni.js';
import { routable } from './checks-routing.js';
import type { Check, DoctorContext, HostsFacts, Problem } from './types.js';

const needsHosts = (ctx: DoctorContext): HostsFacts | { skipped: string } =>
  ctx.hosts ?? { skipped: 'the spec has no hosts (the local target)' };

export const hostsReachable: Check = {
  id: 'host.ssh',
  layer: 'host',
  title: 'every host answers over SSH with its pinned host key',
  async run(ctx) {
    const hosts = needsHosts(ctx);
    if ('skipped' in hosts) return hosts;
    return hosts.hosts
      .filter((h) => h.error !== undefined)
      .map((h) => ({
        severity: 'error',
        title: `host ${h.name} (${h.address}) cannot be read over SSH`,
        evidence: h.error!,
        cause:
          'gardenos cannot see what runs there (and provision cannot change it): the host is down or cut off, its key changed, or the login is refused',
        fix: 'follow the fix in the evidence; `gardenos status` shows what the other hosts and the network see meanwhile',
      }));
  },
};

export const hostsServices: Check = {
  id: 'host.services',
  layer: 'host',
  title: "gardenos's services run on every host its roles name",
  async run(ctx) {
    const hosts = needsHosts(ctx);
    if ('skipped' in hosts) return hosts;
    const problems: Problem[] = [];
    for (const h of hosts.hosts.filter((x) => x.error === undefined)) {
      const down = h.services.filter((s) => s.state !== 'running');
      if (down.length === 0) continue;
      problems.push({
        severity: 'error',
        title: `on ${h.name}, ${down.map((s) => s.name).join(', ')} ${down.length > 1 ? 'are' : 'is'} not running`,
        evidence: down.map((s) => `${s.name}: ${s.state}`).join('; '),
        cause: down.every((x) => x.state === 'missing')
          ? 'the host was never provisioned with this spec (or its files were removed)'
          : 'the service stopped or keeps failing to start',
        fix: `\`gardenos provision --only ${h.name}\` writes what is missing and starts it; \`gardenos logs ${h.name}/${kindOf(down[0]!.name)}\` shows why it stopped`,
      });
    }
    return problems;
  },
};

const kindOf = (service: string) => service.replace(/^gardenos-/, '');

export const hostsClock: Check = {
  id: 'host.clock-skew',
  layer: 'host',
  title: "the hosts' clocks agree",
  async run(ctx) {
    const hosts = needsHosts(ctx);
    if ('skipped' in hosts) return hosts;
    const known = hosts.hosts.filter((h) => Number.isFinite(h.clockOffsetMs) && Number.isFinite(h.clockUncertaintyMs));
    if (known.length < 2) return { skipped: 'fewer than two clocks could be read' };
    const skew = leastClockSkew(known);
    if (skew <= hosts.maxClockSkewMs) return [];
    return [
      {
        severity: 'warning',
        title: `the hosts' clocks differ by at least ${Math.round(skew)} ms`,
        evidence: `${clockList(known.map((h) => ({ ...h, label: h.name })))}, each from this machine, ± half the round trip of the reading`,
        cause: 'etcd leases, Patroni timestamps and TLS certificate validity assume clocks that agree',
        fix: 'enable NTP on every host (apt-get install systemd-timesyncd, or chrony)',
      },
    ];
  },
};

export const hostsPrimaryRoutes: Check = {
  id: 'routing.hosts-primary',
  layer: 'routing',
  title: "every host's HAProxy sends the primary port to the leader, and only to it",
  async run(ctx) {
    const hosts = needsHosts(ctx);
    if ('skipped' in hosts) return hosts;
    const view = await clusterView(ctx);
    const leader = view.ok ? view.value.leader : null;
    const problems: Problem[] = [];
    for (const h of ctx.spec.hosts?.filter((x) => x.roles.includes('haproxy')) ?? []) {
      const servers = await hosts.haproxyServers(h.name);
      if (!servers.ok) {
        problems.push({
          severity: 'error',
          title: `HAProxy on ${h.name} does not answer on its stats page`,
          evidence: `http://${h.address}:${ctx.spec.haproxy.statsPort}/stats: ${servers.error}`,
          cause: "HAProxy is stopped or unreachable there: clients of this host's endpoints get no connection",
          fix: `\`gardenos logs ${h.name}/haproxy\`; \`gardenos provision --only ${h.name}\` starts it again`,
        });
        continue;
      }
      const up = servers.value.filter((x) => x.backend === BACKENDS.primary && routable(x.status)).map((x) => x.server);
      const wrong = leader ? up.filter((x) => x !== leader) : [];
      if (up.length === 0 || wrong.length > 0) {
        problems.push({
          severity: 'error',
          title:
            up.length === 0
              ? `HAProxy on ${h.name} has no server UP in its primary backend`
              : `HAProxy on ${h.name} sends the primary port to ${wrong.join(', ')}, not (only) the leader ${leader}`,
          evidence: `stats: primary backend ${servers.value
            .filter((x) => x.backend === BACKENDS.primary)
            .map((x) => `${x.server} ${x.status}`)
            .join(', ')}; Patroni leader = ${leader ?? 'none'}`,
          cause:
            up.length === 0
              ? "no leader, or this host's HAProxy cannot reach the leader's Patroni REST API (a cut network, TLS)"
              : 'its router has not followed the leader, or a server was forced up behind its back',
          fix: `\`gardenos logs ${h.name}/router\` and \`gardenos logs ${h.name}/haproxy\`; \`gardenos provision --only ${h.name}\` restarts what changed`,
        });
      }
      const probe = await hosts.primaryPortProbe(h.name);
      if (probe.ok && probe.value.inRecovery) {
        problems.push({
          severity: 'error',
          title: `the primary port on ${h.name} reaches a server in recovery`,
          evidence: `SELECT pg_is_in_recovery() through ${h.address}:${ctx.spec.haproxy.primaryPort} returned true`,
          cause: 'writes through this endpoint fail with "read-only transaction"',
          fix: 'see the HAProxy finding above and `gardenos status`',
        });
      }
    }
    return problems;
  },
};
