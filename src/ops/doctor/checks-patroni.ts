// Checks of Patroni and PostgreSQL: REST API reachable, members running, pg_hba admits clients, no plaintext, replication lag.
import { describeCause } from '../../errors.js';
import { lastReadError, type ClusterView } from '../../patroni/index.js';
import { patroniApis, pgAddress, pgTls } from '../../render/index.js';
import { evaluateHba, parseHba } from './pg-hba.js';
import type { Check, DoctorContext, Maybe, Problem } from './types.js';

/** The cluster as the first answering member sees it; not answering is evidence, not an exception. */
export async function clusterView(ctx: DoctorContext): Promise<Maybe<ClusterView>> {
  const view = await ctx.env.readCluster();
  if (view.source !== null) return { ok: true, value: view };
  const why = lastReadError(view);
  return { ok: false, error: why ? describeCause(why) : 'no member configured' };
}

const skipWithout = (ctx: DoctorContext) =>
  ctx.platformExists ? undefined : { skipped: `no platform in ${ctx.layout.root}` };

export const patroniApi: Check = {
  id: 'patroni.api-unreachable',
  layer: 'patroni',
  title: "each member's Patroni REST API answers",
  async run(ctx) {
    const skip = skipWithout(ctx);
    if (skip) return skip;
    const problems: Problem[] = [];
    for (const { name, apiUrl: url } of patroniApis(ctx.spec)) {
      if (await ctx.env.patroniAnswers(url)) continue;
      const running = ctx.env.processRunning(`patroni-${name}`);
      problems.push({
        severity: 'error',
        title: `Patroni of ${name} does not answer on ${url}`,
        evidence: `GET ${url}/patroni failed; the supervisor says the process is ${running ? 'running' : 'not running'}`,
        cause: running
          ? 'Patroni runs but its API is stuck or bound elsewhere'
          : 'the member is stopped or crashed: it is not in the cluster and cannot take over',
        fix: `${ctx.heal} restarts missing members; read \`gardenos logs ${ctx.hosts ? `${name}/patroni` : name}\``,
      });
    }
    return problems;
  },
};

export const patroniMembers: Check = {
  id: 'patroni.members',
  layer: 'patroni',
  title: 'the cluster has a leader and every member is running',
  async run(ctx) {
    const skip = skipWithout(ctx);
    if (skip) return skip;
    const view = await clusterView(ctx);
    if (!view.ok) return { skipped: `no Patroni member answers (${view.error}); see patroni.api-unreachable` };
    const problems: Problem[] = [];
    const members = view.value.members;
    if (!members.some((m) => m.role === 'leader' || m.role === 'standby_leader')) {
      problems.push({
        severity: 'error',
        title: 'the Patroni cluster has no leader',
        evidence: `members: ${members.map((m) => `${m.name} ${m.role} ${m.state}`).join(', ') || 'none'}`,
        cause: 'no member holds the leader lock: writes fail (stale DCS keys, lost etcd quorum or every member down)',
        fix: 'see dcs.stale-keys and etcd.health; `gardenos failover --to <node>` promotes a named healthy member',
      });
    }
    for (const n of ctx.spec.nodes) {
      const m = members.find((x) => x.name === n.name);
      if (m && (m.state === 'running' || m.state === 'streaming')) continue;
      problems.push({
        severity: 'error',
        title: m ? `member ${n.name} is ${m.state}` : `member ${n.name} is missing from the cluster`,
        evidence: m
          ? `Patroni reports ${n.name}: role ${m.role}, state ${m.state}`
          : `Patroni's /cluster lists ${members.map((x) => x.name).join(', ') || 'nobody'}`,
        cause: m
          ? 'PostgreSQL on this member is not running (stuck bootstrapping, crashed, or stopped)'
          : 'its Patroni is stopped, so its member key expired',
        fix: `${ctx.heal} heals stopped members; \`gardenos logs ${ctx.hosts ? `${n.name}/patroni` : n.name}\` shows why it stopped`,
      });
    }
    return problems;
  },
};

export const pgHba: Check = {
  id: 'patroni.pg-hba',
  layer: 'patroni',
  title: 'pg_hba admits clients from every allowed client network, as postgres.tls says',
  async run(ctx) {
    const problems: Problem[] = [];
    const tls = pgTls(ctx.spec);
    let seen = 0;
    for (const n of ctx.spec.nodes) {
      const path = `${ctx.layout.pgDataDir(n.name)}/pg_hba.conf`;
      const text = ctx.env.readText(path);
      if (text === undefined) continue;
      seen++;
      const lines = parseHba(text);
      for (const cidr of ctx.clientCidrs) {
        const v = evaluateHba(lines, cidr, ctx.spec.postgres.superuser);
        // With TLS required clients connect over TLS, so a hostssl line admits them (a plain host line
        // admits them too, and plaintext with them: postgres.plaintext reports that).
        if (v.kind === 'allowed' || (v.kind === 'ssl-only' && tls === 'required')) continue;
        problems.push({
          severity: 'error',
          title: `pg_hba of ${n.name} ${v.kind === 'ssl-only' ? 'allows' : 'rejects'} clients from ${cidr}${v.kind === 'ssl-only' ? ' only over SSL' : ''}`,
          evidence:
            v.kind === 'no-entry'
              ? `${path}: no host line matches ${cidr}`
              : `${path}:${v.line.lineNo}: ${v.line.text}`,
          cause:
            v.kind === 'ssl-only'
              ? `a hostssl line matches, but postgres.tls is ${tls}, so plaintext clients are promised and PostgreSQL says "no pg_hba.conf entry ... no encryption"`
              : 'clients from this network (a pod or container network, say) are not in pg_hba: "no pg_hba.conf entry for host"',
          fix: ctx.spec.postgres.allowedClientCidrs.includes(cidr)
            ? `the spec allows ${cidr}, so pg_hba.conf was changed behind Patroni's back: never edit it by hand; restart ${n.name}'s Patroni (stop it, then \`gardenos up\`) and Patroni writes it again from postgresql.pg_hba`
            : `add ${cidr} to postgres.allowedClientCidrs (Patroni writes pg_hba from postgresql.pg_hba; never edit pg_hba.conf by hand) and recreate or restart the members`,
        });
      }
      if (!ctx.platformExists) continue;
      const at = pgAddress(ctx.spec, n.name);
      const probe = await ctx.env.pgProbe(at);
      if (!probe.ok && probe.error.code === '28000') {
        const how = tls === 'off' ? 'a plaintext' : 'a TLS';
        problems.push({
          severity: 'error',
          title: `PostgreSQL ${n.name} rejects ${how} connection from ${ctx.spec.local.bindAddress}`,
          evidence: `connecting to ${at.host}:${at.port} as gardenos's clients do (postgres.tls ${tls}): ${probe.error.message}`,
          cause: 'pg_hba.conf in the data dir has no line that admits it (edited by hand, or rendered by another spec)',
          fix: 'let Patroni own pg_hba: set postgres.allowedClientCidrs and run `gardenos up`; Patroni rewrites pg_hba.conf on restart',
        });
      }
    }
    return seen === 0 ? { skipped: 'no pg_hba.conf yet' } : problems;
  },
};

/**
 * PostgreSQL over plaintext TCP: with postgres.tls required, a plaintext session that logs in is an
 * error (pg_hba or ssl was changed behind Patroni's back); with preferred or off, plaintext is what
 * the spec asked for, and a warning says what it exposes.
 */
export const pgPlaintext: Check = {
  id: 'postgres.plaintext',
  layer: 'patroni',
  title: 'PostgreSQL accepts TCP connections only over TLS (postgres.tls required)',
  async run(ctx) {
    const skip = skipWithout(ctx);
    if (skip) return skip;
    const tls = pgTls(ctx.spec);
    if (tls !== 'required') {
      return [
        {
          severity: 'warning',
          title: `PostgreSQL and the Patroni REST API accept plaintext: postgres.tls is ${tls}`,
          evidence: `the spec says postgres.tls: ${tls}; pg_hba has plain \`host\` lines${tls === 'off' ? ', and neither PostgreSQL nor the REST API serves TLS' : ''}`,
          cause:
            'passwords (scram-sha-256 protects them, not the session) and every query and row cross the network readable and changeable by anyone on the path, replication included',
          fix: 'remove postgres.tls (required is the default) and run `gardenos up`: gardenos makes the certificates, and its own clients, the router and services connect with TLS',
        },
      ];
    }
    const problems: Problem[] = [];
    for (const n of ctx.spec.nodes) {
      const at = pgAddress(ctx.spec, n.name);
      if ((await ctx.env.pgAcceptsPlaintext(at)) !== true) continue;
      problems.push({
        severity: 'error',
        title: `PostgreSQL ${n.name} lets a plaintext client in, though postgres.tls is required`,
        evidence: `a session without TLS to ${at.host}:${at.port} logged in as ${ctx.spec.postgres.superuser}`,
        cause:
          'pg_hba.conf has a plain `host` line (edited by hand, or the node was set up by an older spec): password-protected sessions then run unencrypted',
        fix: `never edit pg_hba.conf by hand; restart ${n.name}'s Patroni (stop it, then \`gardenos up\`) and Patroni writes it again with hostssl lines only`,
      });
    }
    return problems;
  },
};

export const replicationLag: Check = {
  id: 'replication.lag',
  layer: 'replication',
  title: 'replica lag is below the threshold',
  async run(ctx) {
    const skip = skipWithout(ctx);
    if (skip) return skip;
    const view = await clusterView(ctx);
    if (!view.ok) return { skipped: 'no Patroni member answers' };
    return view.value.members
      .filter((m) => m.role !== 'leader' && m.role !== 'standby_leader' && m.lag !== null)
      .filter((m) => typeof m.lag !== 'number' || m.lag > ctx.lagThresholdBytes)
      .map((m): Problem => ({
        severity: typeof m.lag === 'number' && m.lag > 0 ? 'warning' : 'error',
        title: `replica ${m.name} lags ${typeof m.lag === 'number' ? `${m.lag} bytes` : String(m.lag)}`,
        evidence: `Patroni reports lag ${String(m.lag)} for ${m.name}; threshold ${ctx.lagThresholdBytes} bytes (--lag-threshold)`,
        cause:
          'the replica cannot keep up (I/O, network, a long query holding replay) or stopped streaming; past maximum_lag_on_failover it will not be promoted',
        fix: `check \`gardenos logs ${m.name}\` and pg_stat_replication on the primary; \`patronictl reinit\` rebuilds a replica that cannot catch up`,
      }));
  },
};

export const walArchiving: Check = {
  id: 'replication.wal-archiving',
  layer: 'replication',
  title: 'the primary archives WAL to pgBackRest (backup.enabled)',
  async run(ctx) {
    if (!ctx.spec.backup) return { skipped: 'backups are not enabled in the spec' };
    const skip = skipWithout(ctx);
    if (skip) return skip;
    const a = await ctx.env.pgArchiver(ctx.spec.haproxy.primaryPort);
    if (!a.ok) return { skipped: `cannot read pg_stat_archiver through the primary port: ${a.error}` };
    const s = a.value;
    const failingNow =
      s.lastFailedTime !== null && (s.lastArchivedTime === null || s.lastFailedTime > s.lastArchivedTime);
    if (!failingNow) return [];
    return [
      {
        severity: 'error',
        title: `WAL archiving is failing on the primary (${s.failed} failures, last ${s.lastFailedWal ?? '?'})`,
        evidence: `pg_stat_archiver: last failure ${s.lastFailedTime} on ${s.lastFailedWal ?? '?'}; last success ${s.lastArchivedTime ?? 'never'}; ${s.archived} archived`,
        cause:
          'archive_command (pgbackrest archive-push) fails: WAL piles up in pg_wal until the disk fills, and point-in-time recovery has a gap',
        fix: "read the primary's PostgreSQL log (`gardenos logs <leader>`) and the pgBackRest log in <state dir>/backup/log; check that the postgres user can write the repository; `gardenos backup` re-checks archiving",
      },
    ];
  },
};
