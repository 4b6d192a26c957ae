// Which user each running component is: none may be root (issue 11: least privilege). Read from the pid
// files and /proc through the environment's readText, so the fake world can hold a process table.
import type { Spec } from '../../spec/index.js';
import type { Check, Problem } from './types.js';

/** The supervised components a spec starts, by pid-file id (the same ids components.ts gives). */
function componentIds(spec: Spec): string[] {
  const services = (spec.services as Spec['services'] | undefined) ?? [];
  return [
    ...spec.etcd.members.map((m) => `etcd-${m.name}`),
    ...spec.nodes.map((n) => `patroni-${n.name}`),
    'haproxy',
    // A spec stored before the pooler existed has no pooler key.
    ...((spec.pooler as Spec['pooler'] | undefined)?.enabled ? ['pgbouncer'] : []),
    ...(spec.router.enabled ? ['router'] : []),
    ...services.filter((s) => s.command).map((s) => `service-${s.name}`),
  ];
}

/** Real, effective, saved and filesystem uids; undefined when the pid is gone or is another process now. */
function uidsOf(read: (path: string) => string | undefined, pid: number, startTime: string): number[] | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined || stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] !== startTime) return undefined;
  const line = read(`/proc/${pid}/status`)?.match(/^Uid:\s*(.*)$/m)?.[1];
  return line?.trim().split(/\s+/).map(Number);
}

export const rootProcesses: Check = {
  id: 'host.root-processes',
  layer: 'host',
  title:
    "no component runs as root (PostgreSQL as postgres, etcd, HAProxy, PgBouncer and the router as gardenos, services as local.serviceUser, the dashboard's web server as gardenos-dashboard)",
  async run(ctx) {
    if (!ctx.platformExists) return { skipped: `no platform in ${ctx.layout.root}` };
    const problems: Problem[] = [];
    for (const id of componentIds(ctx.spec)) {
      const text = ctx.env.readText(ctx.layout.pidFile(id));
      if (text === undefined) continue;
      let recorded: { pid?: number; startTime?: string };
      try {
        recorded = JSON.parse(text) as typeof recorded;
      } catch {
        continue;
      }
      if (typeof recorded.pid !== 'number' || typeof recorded.startTime !== 'string') continue;
      const uids = uidsOf((p) => ctx.env.readText(p), recorded.pid, recorded.startTime);
      if (!uids || !uids.includes(0)) continue;
      problems.push({
        severity: 'error',
        title: `${id} (pid ${recorded.pid}) runs as root`,
        evidence: `/proc/${recorded.pid}/status: Uid ${uids.join(' ')}`,
        cause:
          'it was started by a gardenos from before least privilege, or by hand: a flaw in it is a root shell, and a root service holds every capability',
        fix: '`gardenos down` and `gardenos up` as root: each component is started as its own unprivileged user (`gardenos setup` creates gardenos and gardenos-app)',
      });
    }
    // As root the dashboard's collector is root by design, and serves nothing: its web side, which
    // holds the port, must not be (dashboard/privsep.ts).
    const monitoring = ctx.spec.monitoring as Spec['monitoring'] | undefined;
    if (monitoring?.enabled) {
      const port = monitoring.dashboardPort;
      for (const l of ctx.env.listeners(port).filter((x) => x.uids.includes(0))) {
        problems.push({
          severity: 'error',
          title: `the dashboard's web server on port ${port} (pid ${l.pid}) runs as root`,
          evidence: `/proc/${l.pid}/status: Uid ${l.uids.join(' ')}; it holds the listening socket of ${ctx.spec.local.bindAddress}:${port}`,
          cause:
            'a dashboard from a gardenos before its web side had a user of its own, or one run by hand some other way: a flaw in the web server is then a root shell with every secret',
          fix: '`gardenos down` and `gardenos up` as root (the web side then runs as gardenos-dashboard, which `gardenos setup` creates)',
        });
      }
    }
    return problems;
  },
};
