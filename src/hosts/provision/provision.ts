// `gardenos provision`: the hosts of the spec made to match it over SSH. Preflight on every host before
// anything changes; then packages, files (only those that differ, each named), and services in order:
// etcd everywhere and healthy over TLS, then Patroni with one leader and streaming replicas, then
// HAProxy and the router, then K3s. Every step is idempotent, so a second run makes 0 changes and a
// run that failed half-way resumes where it stopped.
import { readFileSync } from 'node:fs';
import { GardenError } from '../../errors.js';
import { PATRONI_LAUNCHER } from '../../runtime/install-paths.js';
import { renderHost } from '../../render/hosts/bundle.js';
import { hostComponents } from '../../render/hosts/components.js';
import { ensurePoolerAuth } from '../../pooler/index.js';
import { pgClient } from '../../runtime/index.js';
import { SERVICE_NAMES } from '../../render/hosts/paths.js';
import { MONITOR_ROLE_SQL } from '../../render/postgres-exporter.js';
import { prometheusUrl } from '../../render/topology.js';
import { hostPorts, ROLE_NAMES, type HostConfig, type Spec } from '../../spec/index.js';
import { AGENT_PROGRAM, buildAgentFiles } from '../agent/build.js';
import { ensureHostsPki, hostsPkiDir, readHostTls } from '../pki.js';
import { hostsSecretsFile, loadOrCreateHostsSecrets } from '../secrets.js';
import { connectAll, type ConnectAllOptions } from './connect.js';
import { applyFiles, describeChange, planFiles, readFileStates, restartsOf } from './file-sync.js';
import { ensurePackages, packagesFor } from './packages.js';
import { checkArchiving, ensureStanza } from '../../ops/backup/index.js';
import { hostsAccess } from '../access.js';
import { hostsBackupContext, repoHostOf } from '../backup.js';
import type { HostShell } from '../ssh.js';
import { installK3sServers, k3sNeedsInstall } from './k3s-install.js';
import { MAX_CLOCK_SKEW_MS, checkFacts, gatherFacts } from './preflight.js';
import { patroniTls, waitForEtcd, waitForPatroni, waitForPrometheus, waitForRouters } from './waits.js';
import { PHASES, planHost, startPhase, type HostPlan } from './host-plan.js';

export interface ProvisionOptions {
  dryRun: boolean;
  /** Provision this host only (the others are still checked and waited for). */
  only?: string;
  acceptNewHostKey: readonly string[];
  /** Directory of the spec file: relative identityFile and knownHostsFile paths start there. */
  specDir: string;
  agentSocket?: string;
  report: (line: string) => void;
  connect?: ConnectAllOptions['connect'];
  timeouts?: Partial<{ etcdMs: number; patroniMs: number; routersMs: number; prometheusMs: number; k3sMs: number }>;
}

export interface ProvisionResult {
  changes: number;
  byHost: Record<string, string[]>;
}

export async function provision(spec: Spec, o: ProvisionOptions): Promise<ProvisionResult> {
  const all = spec.hosts;
  if (!all) {
    throw new GardenError('NOT_CONFIGURED', 'This spec has no hosts section, so there is nothing to provision.', {
      hint: 'list your servers under hosts: (name, address, ssh, hostKey) — `gardenos lab up` writes a ready spec to try it on one machine — or use `gardenos up` for the one-machine platform',
    });
  }
  const targets = o.only ? all.filter((h) => h.name === o.only) : all;
  if (targets.length === 0) {
    throw new GardenError('USAGE', `--only ${o.only}: there is no host of that name.`, {
      hint: `use one of: ${all.map((h) => h.name).join(', ')}`,
    });
  }
  const stateDir = spec.local.stateDir;
  const { secrets, created } = loadOrCreateHostsSecrets(hostsSecretsFile(stateDir));
  if (created.length > 0) o.report(`generated ${created.length} secrets in ${hostsSecretsFile(stateDir)} (0600)`);
  const { pki, issued } = ensureHostsPki(spec, hostsPkiDir(stateDir));
  if (issued.length > 0) o.report(`issued TLS certificates: ${issued.join(', ')} (in ${hostsPkiDir(stateDir)})`);

  const shells = await connectAll(all, {
    specDir: o.specDir,
    stateDir,
    agentSocket: o.agentSocket,
    acceptNewHostKey: o.acceptNewHostKey,
    connect: o.connect,
    onNewKey: (host, line, fp) =>
      o.report(`${host}: accepted and recorded its new host key ${fp}; pin it in the spec: hostKey: ${line}`),
  });
  try {
    // Preflight on every host, the ones not provisioned too: their ports and clocks matter to the rest.
    const facts = await Promise.all(all.map((h) => gatherFacts(shells.get(h.name)!)));
    for (const f of facts) {
      o.report(
        `${f.host}: ${f.os}, services by ${f.init} (${f.initWhy}), ${Math.floor(f.freeKiB / 1024 / 1024)} GiB free, clock ${f.clockOffsetMs >= 0 ? '+' : ''}${Math.round(f.clockOffsetMs)} ms`,
      );
    }
    const problems = checkFacts(facts, {
      ports: new Map(all.map((h) => [h.name, hostPorts(spec, h).map((p) => ({ port: p.port, owner: p.owner }))])),
      minFreeKiB: 1024 * 1024,
      maxClockSkewMs: MAX_CLOCK_SKEW_MS,
    });
    if (problems.length > 0) {
      throw new GardenError(
        'PREFLIGHT_FAILED',
        `Preflight found ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was changed on any host:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
        {
          hint: 'fix each problem on the host it names, then run `gardenos provision` again',
        },
      );
    }
    const agentFiles = await buildAgentFiles();
    const launcher = readFileSync(PATRONI_LAUNCHER, 'utf8');
    const plans: HostPlan[] = targets.map((host) => {
      const shell = shells.get(host.name)!;
      const f = facts.find((x) => x.host === host.name)!;
      const bundle = renderHost(spec, host, {
        secrets,
        tls: readHostTls(pki, host.name),
        patroniLauncher: launcher,
        programs: { gardenos: AGENT_PROGRAM },
      });
      return planHost(host, shell, f, bundle.files, bundle.services, agentFiles);
    });

    // Packages, then files, on every host at once.
    await Promise.all(
      plans.map(async (p) => {
        const pkgs = await ensurePackages(p.shell, packagesFor(spec, p.host), p.facts.init, o.dryRun);
        if (pkgs.missing.length > 0) {
          p.changes.push(`${o.dryRun ? 'would install' : 'installed'} ${pkgs.missing.join(' ')}`);
          o.report(`${p.host.name}: ${o.dryRun ? 'would install' : 'installed'} ${pkgs.missing.join(', ')}`);
        }
      }),
    );
    const fileChanges = await Promise.all(
      plans.map(async (p) => {
        const paths = [...p.files.map((f) => f.path), ...(p.manifest ? [p.manifest.path] : [])];
        const states = await readFileStates(p.shell, paths);
        const changes = planFiles(p.files, states);
        for (const c of changes) {
          p.changes.push(describeChange(c));
          o.report(`${p.host.name}: ${o.dryRun ? 'would ' : ''}${describeChange(c)}`);
        }
        if (!o.dryRun) await applyFiles(p.shell, changes);
        return { plan: p, changes, manifestNow: states.find((s) => s.path === p.manifest?.path) };
      }),
    );

    if (o.dryRun) {
      for (const { plan, changes } of fileChanges) {
        const now = await plan.control.states();
        const restart = restartsOf(changes);
        for (const s of plan.services) {
          const st = now.get(s.service.name);
          if (st?.state !== 'running') plan.changes.push(`would start ${s.service.name}`);
          else if (plan.control.kind === 'supervisor' ? st.revision !== s.revision : restart.has(s.service.name))
            plan.changes.push(`would restart ${s.service.name}`);
        }
        if (plan.facts.init === 'systemd' && k3sServerHere(spec, plan.host)) {
          if (await k3sNeedsInstall(plan.shell, spec.k3s!.version))
            plan.changes.push(`would install K3s ${spec.k3s!.version} (one server at a time)`);
          else if (restart.has(SERVICE_NAMES.k3s) || now.get(SERVICE_NAMES.k3s)?.state !== 'running')
            plan.changes.push('would restart k3s');
        }
        for (const line of plan.changes.filter((c) => /^would (start|restart|install K3s)/.test(c)))
          o.report(`${plan.host.name}: ${line}`);
      }
      return result(plans);
    }

    const tls = { caFile: pki.caFile, ...pki.operator };
    const waits = {
      etcd: o.timeouts?.etcdMs ?? 120_000,
      patroni: o.timeouts?.patroniMs ?? 300_000,
      routers: o.timeouts?.routersMs ?? 60_000,
    };
    let leader = '';
    for (const phase of PHASES) {
      await Promise.all(
        fileChanges.map(async ({ plan, changes, manifestNow }) => {
          const started = await startPhase(plan, phase, restartsOf(changes), manifestNow?.present !== undefined);
          for (const name of started) {
            plan.changes.push(`started ${name}`);
            o.report(`${plan.host.name}: started ${name} at its current config`);
          }
        }),
      );
      if (phase.includes(SERVICE_NAMES.etcd)) {
        const members = await waitForEtcd(spec, tls, { timeoutMs: waits.etcd });
        o.report(`etcd: ${members.length} members healthy over TLS (leader ${members.find((m) => m.isLeader)?.name})`);
      } else if (phase.includes(SERVICE_NAMES.patroni)) {
        const c = await waitForPatroni(spec, patroniTls({ caFile: pki.caFile, ...pki.operator }), {
          timeoutMs: waits.patroni,
        });
        leader = c.leader;
        o.report(`patroni: leader ${c.leader}, streaming ${c.replicas.join(', ') || 'none'}`);
        if (spec.backup) o.report(await ensureHostsArchiving(spec, shells, leader));
      } else if (phase.includes(SERVICE_NAMES.router)) {
        if (spec.router.enabled) {
          await waitForRouters(spec, leader, { timeoutMs: waits.routers });
          o.report(`routers: every HAProxy sends the primary port to ${leader}`);
          if (all.some((h) => hostComponents(spec, h).pgbouncer))
            o.report(`pooler: ${await ensureHostsPoolerAuth(spec)}`);
        }
        // Before the exporters start: their first scrape then logs in.
        if (spec.monitoring.enabled) o.report(`monitoring: ${await ensureHostsMonitorRole(spec)}`);
      } else if (phase.includes(SERVICE_NAMES.prometheus) && spec.monitoring.enabled) {
        const targets = await waitForPrometheus(spec, { timeoutMs: o.timeouts?.prometheusMs ?? 120_000 });
        o.report(`monitoring: Prometheus at ${prometheusUrl(spec)} scrapes ${targets} targets, every one up`);
      }
    }
    const k3sHosts = targets.filter((h) => k3sServerHere(spec, h));
    const noSystemd = plans
      .filter((p) => k3sHosts.includes(p.host) && p.facts.init !== 'systemd')
      .map((p) => p.host.name);
    if (noSystemd.length > 0) {
      o.report(
        `k3s: skipped on ${noSystemd.join(', ')}: K3s is installed only where systemd is PID 1 (its installer sets up a systemd unit); its config and drop-in were rendered, not installed`,
      );
    }
    const withSystemd = k3sHosts.filter((h) => !noSystemd.includes(h.name));
    if (withSystemd.length > 0) {
      // One server at a time, in spec order: the first initializes the datastore, the others join it.
      const done = await installK3sServers(
        withSystemd.map((h) => {
          const f = fileChanges.find((x) => x.plan.host === h)!;
          return { name: h.name, shell: f.plan.shell, changed: restartsOf(f.changes).has(SERVICE_NAMES.k3s) };
        }),
        { version: spec.k3s!.version, report: o.report, timeoutMs: o.timeouts?.k3sMs ?? 600_000 },
      );
      for (const p of plans) p.changes.push(...(done.get(p.host.name) ?? []));
    }
    return result(plans);
  } finally {
    await Promise.all([...shells.values()].map((s) => s.close()));
  }
}

/**
 * The stanza on the repository host (created once, verified after), then pgBackRest's check: a WAL
 * switch on the leader must reach the repository. Neither changes a converged cluster's files.
 */
async function ensureHostsArchiving(
  spec: Spec,
  shells: ReadonlyMap<string, HostShell>,
  leader: string,
): Promise<string> {
  const repo = repoHostOf(spec);
  const ctx = hostsBackupContext(hostsAccess(spec), shells.get(repo.name)!);
  await ensureStanza(ctx, leader);
  await checkArchiving(ctx, leader);
  return `backup: stanza ${spec.name} in the repository on ${repo.name}, WAL archiving from ${leader} checked`;
}

/** PgBouncer's auth role and lookup function, through the primary endpoint as the superuser over TLS. */
async function ensureHostsPoolerAuth(spec: Spec): Promise<string> {
  const access = hostsAccess(spec);
  const ca = readFileSync(access.caFile!);
  return ensurePoolerAuth((database) =>
    pgClient(spec, access.secrets, access.primaryEndpoint, 30_000, { ca, database }),
  );
}

/** The PostgreSQL exporter's role (pg_monitor, peer auth only), through the primary endpoint over TLS. */
async function ensureHostsMonitorRole(spec: Spec): Promise<string> {
  const access = hostsAccess(spec);
  await access.withPg(access.primaryEndpoint, (c) => c.query(MONITOR_ROLE_SQL));
  return `${ROLE_NAMES.monitor} (pg_monitor, peer auth only from the exporter's OS user)`;
}

function k3sServerHere(spec: Spec, h: HostConfig): boolean {
  return h.roles.includes('k3s-server') && spec.k3s?.enabled === true;
}

function result(plans: HostPlan[]): ProvisionResult {
  const byHost = Object.fromEntries(plans.map((p) => [p.host.name, p.changes]));
  return { changes: plans.reduce((n, p) => n + p.changes.length, 0), byHost };
}
