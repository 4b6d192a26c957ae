// Checks of etcd and the DCS: the URL scheme clients use, member health and quorum, stale scope keys.
import { parse } from 'yaml';
import { decodeScope } from '../../dcs/index.js';
import { etcdClientEndpoints, patroniApis, scopePrefix, topologyOf } from '../../render/index.js';
import type { Check, DoctorContext, Problem } from './types.js';

const needsPlatform = (ctx: DoctorContext) =>
  ctx.platformExists ? undefined : { skipped: `no platform in ${ctx.layout.root}` };

/** Who talks to etcd with which scheme: the spec, and each patroni.yml as written on disk. */
function etcdClients(ctx: DoctorContext): { who: string; scheme: string; host: string; port: number }[] {
  const clients: { who: string; scheme: string; host: string; port: number }[] = topologyOf(ctx.spec).etcd.map((m) => ({
    who: 'the spec (etcd.scheme)',
    scheme: ctx.spec.etcd.scheme,
    host: m.host,
    port: m.clientPort,
  }));
  for (const node of ctx.spec.nodes) {
    const text = ctx.env.readText(ctx.layout.patroniConfig(node.name));
    if (text === undefined) continue;
    try {
      type EtcdSection = { protocol?: string; hosts?: string[] | string; host?: string };
      const doc = parse(text) as { etcd3?: EtcdSection; etcd?: EtcdSection } | null;
      // A v2 `etcd:` section is reported by spec.patroni-etcd-v2; its scheme can still be wrong too.
      const e3 = doc?.etcd3 ?? doc?.etcd;
      if (!e3) continue;
      const hosts = Array.isArray(e3.hosts) ? e3.hosts : String(e3.hosts ?? e3.host ?? '').split(',');
      for (const h of hosts) {
        const m = /^(?:(https?):\/\/)?([^:/]+):(\d+)/.exec(h.trim());
        if (m)
          clients.push({
            who: `patroni.yml of ${node.name}`,
            scheme: m[1] ?? e3.protocol ?? 'http',
            host: m[2]!,
            port: Number(m[3]),
          });
      }
    } catch {
      // spec.patroni-etcd-v2 reports unparsable files
    }
  }
  return clients;
}

export const etcdScheme: Check = {
  id: 'etcd.scheme-mismatch',
  layer: 'etcd',
  title: 'etcd clients use the scheme (http/https) etcd actually serves',
  async run(ctx) {
    const problems: Problem[] = [];
    const served = new Map<string, boolean | undefined>();
    for (const c of etcdClients(ctx)) {
      const key = `${c.host}:${c.port}`;
      if (!served.has(key)) served.set(key, await ctx.env.speaksTls(c.host, c.port));
      const tls = served.get(key);
      if (tls === undefined) continue;
      const actual = tls ? 'https' : 'http';
      if (actual === c.scheme) continue;
      problems.push({
        severity: 'error',
        title: `${c.who} uses ${c.scheme}://${key}, but etcd there serves ${actual}`,
        evidence: `${tls ? 'a TLS handshake succeeded' : 'no TLS handshake (plain HTTP)'} on ${key}; ${c.who} is configured with ${c.scheme}`,
        cause:
          'client and server disagree on TLS: every request fails with a handshake or "malformed HTTP response" error',
        fix: `use ${actual}:// everywhere (spec etcd.scheme: ${actual}, then ${ctx.heal} re-renders patroni.yml), or turn TLS ${tls ? 'off' : 'on'} in etcd`,
      });
    }
    return problems;
  },
};

/** A DCS anyone can write to is a way around every password: Patroni's config key runs commands as postgres. */
export const etcdNoAuth: Check = {
  id: 'etcd.no-auth',
  layer: 'etcd',
  title: 'etcd requires a client certificate: nobody writes to the DCS unauthenticated',
  async run(ctx) {
    const skip = needsPlatform(ctx);
    if (skip) return skip;
    const m = topologyOf(ctx.spec).etcd[0];
    if (!m) return [];
    // undefined (no answer) is etcd.health's to report; true is TLS, with client-cert-auth in the flags gardenos renders.
    if ((await ctx.env.speaksTls(m.host, m.clientPort)) !== false) return [];
    return [
      {
        severity: 'warning',
        title: `etcd on ${m.host}:${m.clientPort} takes requests from anyone: plain http, no client certificate asked`,
        evidence: `no TLS handshake on ${m.host}:${m.clientPort}; the platform was created with etcd.scheme: ${ctx.spec.etcd.scheme}`,
        cause:
          "whoever reaches that port (any local user, locally) can write Patroni's config key, where an archive_command then runs as postgres, or the leader key: Patroni's REST password is bypassed",
        fix: 'etcd.scheme is fixed when a platform is created: create a new one with the default (https, client certificates from a generated CA) and move the data there with `gardenos migrate --from <old primary URL>`, or keep etcd reachable only by those you trust',
      },
    ];
  },
};

export const etcdHealth: Check = {
  id: 'etcd.health',
  layer: 'etcd',
  title: 'every etcd member is healthy and the cluster has quorum',
  async run(ctx) {
    const skip = needsPlatform(ctx);
    if (skip) return skip;
    const members = etcdClientEndpoints(ctx.spec);
    const status = await ctx.env.etcdStatus(members);
    const sick = status.filter((s) => !s.healthy);
    if (sick.length === 0) return [];
    const quorum = Math.floor(members.length / 2) + 1;
    const healthy = members.length - sick.length;
    const lost = healthy < quorum;
    return [
      {
        severity: lost ? 'error' : 'warning',
        title: lost
          ? `etcd has lost quorum: ${healthy} of ${members.length} members healthy (need ${quorum})`
          : `etcd member${sick.length > 1 ? 's' : ''} ${sick.map((s) => s.name).join(', ')} unhealthy`,
        evidence: sick.map((s) => `${s.name} ${s.clientURL}: ${s.error ?? 'unhealthy'}`).join('; '),
        cause: lost
          ? 'without quorum etcd refuses writes: Patroni cannot renew the leader lock and demotes the primary'
          : 'one more failure would lose quorum',
        fix: `start the members again (${ctx.heal}), and read their logs (\`gardenos logs etcd\`)`,
      },
    ];
  },
};

export const staleDcsKeys: Check = {
  id: 'dcs.stale-keys',
  layer: 'dcs',
  title: 'no initialize/leader keys left over without a live leader ("waiting for leader to bootstrap")',
  async run(ctx) {
    const skip = needsPlatform(ctx);
    if (skip) return skip;
    const prefix = scopePrefix(ctx.spec);
    const scope = await ctx.env.dcsScope(prefix);
    if (!scope.ok) return { skipped: `cannot read ${prefix}: ${scope.error}` };
    const keys = new Map(scope.value.keys.map((k) => [k.name, k]));
    const init = keys.get('initialize');
    const leader = keys.get('leader');
    if (!init && !leader) return [];
    const apis = patroniApis(ctx.spec);
    const live = (
      await Promise.all(apis.map(async (a) => ((await ctx.env.patroniAnswers(a.apiUrl)) ? a.name : undefined)))
    ).filter(Boolean);
    const leaderName = leader?.value;
    const leaderLive = leaderName !== undefined && live.includes(leaderName);
    if (leaderLive) return [];
    const decoded = decodeScope(scope.value).filter((k) => k.name === 'initialize' || k.name === 'leader');
    return [
      {
        severity: 'error',
        title: leader
          ? `leader key names ${leader.value}, which does not answer${leader.lease === '0' ? ' (and the key has no lease, so it never expires)' : ''}`
          : 'the scope is initialized but has no leader',
        evidence: `${decoded.map((k) => `${prefix}${k.name} = ${k.summary} (${k.revisionsAgo} revisions ago${k.since ? `, since ${k.since}` : ''})`).join('; ')}; Patroni answers on: ${live.length ? live.join(', ') : 'no member'}`,
        cause:
          'keys from an earlier cluster (or a crashed bootstrap) make Patroni believe the cluster exists: new members log "waiting for leader to bootstrap" forever',
        fix: `look at \`gardenos dcs show\`, then \`gardenos dcs reset\` (backs up, then deletes only this scope; --force if members still answer) and ${ctx.heal}`,
      },
    ];
  },
};
