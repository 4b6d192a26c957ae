// Checks of routing: HAProxy answers, its primary port reaches the leader, backends are up where they
// should be, PgBouncer points at the leader and its auth_query can work.
import { BACKENDS, ROLE_NAMES } from '../../render/index.js';
import { POOLER_LOOKUP } from '../../render/pgbouncer.js';
import { poolerFindings } from '../pooler-status.js';
import { clusterView } from './checks-patroni.js';
import type { Check, Problem } from './types.js';

/** Servers that take traffic: UP, or with health checks disabled ("no check"), which HAProxy treats as up. */
export const routable = (status: string) => status.startsWith('UP') || status === 'no check';

export const primaryRoute: Check = {
  id: 'routing.primary-to-replica',
  layer: 'routing',
  title: 'the primary port reaches the leader, and only the leader',
  async run(ctx) {
    if (!ctx.platformExists) return { skipped: `no platform in ${ctx.layout.root}` };
    const servers = await ctx.env.haproxyServers(ctx.layout.adminSocket);
    const view = await clusterView(ctx);
    const problems: Problem[] = [];
    const leader = view.ok ? view.value.members.find((m) => m.role === 'leader')?.name : undefined;
    if (servers.ok && leader) {
      const up = servers.value.filter((s) => s.backend === BACKENDS.primary && routable(s.status)).map((s) => s.server);
      const wrong = up.filter((s) => s !== leader);
      if (wrong.length > 0) {
        problems.push({
          severity: 'error',
          title: `HAProxy's primary backend routes to ${wrong.join(', ')}, which ${wrong.length > 1 ? 'are replicas' : 'is a replica'}`,
          evidence: `show stat: primary servers taking traffic = ${servers.value
            .filter((s) => s.backend === BACKENDS.primary && routable(s.status))
            .map((s) => `${s.server} (${s.status})`)
            .join(', ')}; Patroni leader = ${leader}`,
          cause:
            'the route ignores the leader (a forced server state, a health check that does not ask Patroni /primary, or a Service without leader-only endpoints)',
          fix: `re-enable health checks (\`echo "enable health ${BACKENDS.primary}/${wrong[0]}" | socat - ${ctx.layout.adminSocket}\`) or restart HAProxy with \`gardenos up\`; checks must GET /primary`,
        });
      }
    }
    const probe = await ctx.env.pgProbe(ctx.spec.haproxy.primaryPort);
    if (probe.ok && probe.value.inRecovery) {
      problems.push({
        severity: 'error',
        title: `the primary port ${ctx.spec.haproxy.primaryPort} reaches a server in recovery`,
        evidence: `SELECT pg_is_in_recovery() through ${ctx.spec.local.bindAddress}:${ctx.spec.haproxy.primaryPort} returned true`,
        cause: 'writes through the primary endpoint fail with "read-only transaction"',
        fix: "route the primary port by Patroni's /primary health check only; see the HAProxy finding above",
      });
    }
    return problems;
  },
};

export const backendsDown: Check = {
  id: 'routing.backends-down',
  layer: 'routing',
  title: 'HAProxy answers, the primary backend has a server UP and running replicas are UP',
  async run(ctx) {
    if (!ctx.platformExists) return { skipped: `no platform in ${ctx.layout.root}` };
    const servers = await ctx.env.haproxyServers(ctx.layout.adminSocket);
    if (!servers.ok) {
      return [
        {
          severity: 'error',
          title: 'HAProxy does not answer on its admin socket',
          evidence: `${ctx.layout.adminSocket}: ${servers.error}`,
          cause: 'HAProxy is stopped: neither endpoint accepts connections',
          fix: '`gardenos up` starts it again; `gardenos logs haproxy`',
        },
      ];
    }
    const problems: Problem[] = [];
    const primaryUp = servers.value.filter((s) => s.backend === BACKENDS.primary && routable(s.status));
    if (primaryUp.length === 0) {
      problems.push({
        severity: 'error',
        title: 'no server is UP in the primary backend',
        evidence: `show stat: ${
          servers.value
            .filter((s) => s.backend === BACKENDS.primary)
            .map((s) => `${BACKENDS.primary}/${s.server} ${s.status}`)
            .join(', ') || 'the primary backend has no servers'
        }`,
        cause: 'no member answers Patroni /primary with 200: there is no leader, or HAProxy cannot reach the REST APIs',
        fix: 'see patroni.members; the port accepts no writes until a leader exists',
      });
    }
    const view = await clusterView(ctx);
    const replicas = view.ok
      ? view.value.members
          .filter((m) => m.role !== 'leader' && (m.state === 'running' || m.state === 'streaming'))
          .map((m) => m.name)
      : [];
    for (const s of servers.value.filter(
      (x) => x.backend === BACKENDS.replicas && replicas.includes(x.server) && !x.status.startsWith('UP'),
    )) {
      problems.push({
        severity: 'warning',
        title: `replica ${s.server} runs but is ${s.status} in the replicas backend`,
        evidence: `show stat: ${BACKENDS.replicas}/${s.server} ${s.status}; Patroni says it is a running replica`,
        cause: 'the server was put in maintenance, or its /replica check fails (lag, wrong port)',
        fix: `\`echo "set server ${BACKENDS.replicas}/${s.server} state ready" | socat - ${ctx.layout.adminSocket}\`, or restart HAProxy with \`gardenos up\``,
      });
    }
    return problems;
  },
};

/** The Patroni leader's name, null when there is none or nobody answers. */
async function leaderName(ctx: Parameters<Check['run']>[0]): Promise<string | null> {
  const view = await clusterView(ctx);
  return view.ok ? (view.value.members.find((m) => m.role === 'leader')?.name ?? null) : null;
}

export const poolerRoute: Check = {
  id: 'routing.pooler',
  layer: 'routing',
  title: 'PgBouncer answers, routes to the leader only, and is not left paused',
  async run(ctx) {
    if (!ctx.platformExists) return { skipped: `no platform in ${ctx.layout.root}` };
    const poolers = await ctx.env.poolers();
    if (!poolers) return { skipped: 'pooler.enabled is off' };
    const leader = await leaderName(ctx);
    return poolers.flatMap((p) => poolerFindings(p, leader).map((f) => ({ severity: 'error' as const, ...f })));
  },
};

export const poolerAuth: Check = {
  id: 'routing.pooler-auth',
  layer: 'routing',
  title: "PgBouncer's auth role logs in and its lookup function is in every database",
  async run(ctx) {
    if (!ctx.platformExists) return { skipped: `no platform in ${ctx.layout.root}` };
    const read = await ctx.env.poolerAuth();
    if (!read) return { skipped: 'pooler.enabled is off' };
    if (!read.ok) return { skipped: `the primary cannot be read as the superuser (${read.error})` };
    const { role, databasesWithout } = read.value;
    const recreate = `\`${ctx.heal}\` creates the role and the function again (idempotent), in every database`;
    const problems: Problem[] = [];
    if (role !== 'ok') {
      problems.push({
        severity: 'error',
        title:
          role === 'missing'
            ? `PgBouncer's auth role ${ROLE_NAMES.pooler} does not exist: every pooled login fails`
            : `PgBouncer's auth role ${ROLE_NAMES.pooler} may not log in (NOLOGIN): every pooled login fails`,
        evidence: `pg_roles on the primary: ${role === 'missing' ? 'no such role' : 'rolcanlogin is false'}`,
        cause:
          "PgBouncer looks up each client's SCRAM secret through auth_query as this role; it was dropped or altered by hand (or the cluster was restored from a backup taken before the pooler existed)",
        fix: recreate,
      });
    }
    if (databasesWithout.length > 0) {
      problems.push({
        severity: 'error',
        title: `PgBouncer's lookup function is missing (or not callable by ${ROLE_NAMES.pooler}) in ${databasesWithout.join(', ')}: pooled logins to ${databasesWithout.length === 1 ? 'it' : 'them'} fail`,
        evidence: `to_regprocedure('${POOLER_LOOKUP}(text)') or EXECUTE for ${ROLE_NAMES.pooler} is absent in ${databasesWithout.join(', ')}`,
        cause:
          'PgBouncer runs auth_query in the database the client asks for; a database created from template0, or one where the function was dropped, has none',
        fix: recreate,
      });
    }
    return problems;
  },
};

export const kernelRoute: Check = {
  id: 'routing.kernel-route',
  layer: 'routing',
  title: 'the kernel route (nftables DNAT) sends the port to the leader',
  async run(ctx) {
    if (!ctx.platformExists) return { skipped: `no platform in ${ctx.layout.root}` };
    const k = await ctx.env.kernelRoute();
    if (!k) return { skipped: 'router.kernelRoute is off' };
    const table = `the nftables table of this platform (\`nft list tables\`, gardenos_*)`;
    if (k.readError) {
      return [
        {
          severity: 'warning',
          title: `the kernel route (:${k.port}) cannot be read`,
          evidence: k.readError,
          cause: 'nft needs CAP_NET_ADMIN to list rules: doctor runs without root, or nftables is missing',
          fix: 'run `sudo gardenos doctor`; `sudo apt-get install -y nftables` if nft is missing',
        },
      ];
    }
    const leader = await leaderName(ctx);
    if (!leader || k.routedTo === leader) return [];
    return [
      {
        severity: 'error',
        title: `the kernel route (:${k.port}) sends writes to ${k.routedTo ?? 'nobody'}, but the leader is ${leader}`,
        evidence: `${table}: the DNAT rule names ${k.routedTo ?? 'no member'}; the Patroni leader is ${leader}`,
        cause: k.routedTo
          ? 'the router is stopped or cannot run nft (it keeps the last leader it confirmed): writes there fail with "read-only transaction"'
          : 'the router un-routed the port and has not confirmed the new leader yet: connections are refused',
        fix: '`gardenos logs router` says why; `gardenos up` restarts a stopped router, which rewrites the rule',
      },
    ];
  },
};
