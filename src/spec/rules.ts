// Cross-field rules that a single field's schema cannot express.
import { isIPv4 } from 'node:net';
import { checkAppRules } from './app-rules.js';
import { checkHostsRules } from './hosts-rules.js';
import { checkPostgresRules } from './postgres-rules.js';
import { listPorts, PORT_SPAN, type Spec } from './resolve.js';

export type SpecPath = (string | number)[];

export interface SpecProblem {
  path: SpecPath;
  message: string;
  hint: string;
  line?: number;
  /**
   * Another place that causes the same problem (the other side of a port collision, the key a
   * derived value comes from). Used when the file does not spell out `path` itself.
   */
  alsoAt?: SpecPath;
}

export function checkRules(spec: Spec): SpecProblem[] {
  return [
    ...uniqueNames(
      spec.nodes.map((n) => n.name),
      'nodes',
      'node',
    ),
    ...uniqueNames(
      spec.etcd.members.map((m) => m.name),
      ['etcd', 'members'],
      'etcd member',
    ),
    ...(spec.hosts ? checkHostsRules(spec) : [...etcdQuorum(spec), ...distinctPorts(spec)]),
    ...patroniTiming(spec),
    ...synchronousMode(spec),
    ...cidrs(spec),
    ...checkPostgresRules(spec),
    ...stateDir(spec),
    ...checkAppRules(spec),
    ...poolerNeedsRouter(spec),
    ...kernelRouteRules(spec),
    ...alertmanagerRules(spec),
  ];
}

function alertmanagerRules(spec: Spec): SpecProblem[] {
  if (!spec.monitoring.alertmanager.enabled || spec.monitoring.enabled) return [];
  return [
    {
      path: ['monitoring', 'alertmanager', 'enabled'],
      message: 'monitoring.alertmanager sends on the alerts Prometheus evaluates, and monitoring.enabled is off',
      hint: 'set monitoring.enabled: true (the default), or remove monitoring.alertmanager',
    },
  ];
}

/** The DNAT rule is the router's to keep, on this machine's loopback or bind address. */
function kernelRouteRules(spec: Spec): SpecProblem[] {
  if (!spec.router.kernelRoute.enabled) return [];
  const path = ['router', 'kernelRoute', 'enabled'];
  if (spec.hosts) {
    return [
      {
        path,
        message: 'the kernel route is built for the local target only',
        hint: 'remove router.kernelRoute from a hosts spec; its primary endpoint is HAProxy (and PgBouncer)',
      },
    ];
  }
  if (!spec.router.enabled) {
    return [
      {
        path,
        message: 'the kernel route is kept on the leader by the router, and router.enabled is false',
        hint: 'turn the router on (router.enabled: true), or the kernel route off',
      },
    ];
  }
  return [];
}

/** The router is what points PgBouncer at a new leader: without it the pooler would stay on the old one. */
function poolerNeedsRouter(spec: Spec): SpecProblem[] {
  if (!spec.pooler.enabled || spec.router.enabled) return [];
  return [
    {
      path: ['pooler', 'enabled'],
      message: 'PgBouncer follows the leader through the router, and router.enabled is false',
      hint: 'turn the router on (router.enabled: true), or the pooler off (pooler.enabled: false)',
    },
  ];
}

function uniqueNames(names: string[], base: string | SpecPath, what: string): SpecProblem[] {
  const seen = new Map<string, number>();
  const problems: SpecProblem[] = [];
  names.forEach((name, i) => {
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push({
        path: [...(Array.isArray(base) ? base : [base]), i, 'name'],
        message: `${what} name "${name}" is used twice (also at index ${first})`,
        hint: `give every ${what} a unique name`,
      });
    } else seen.set(name, i);
  });
  return problems;
}

function etcdQuorum(spec: Spec): SpecProblem[] {
  const n = spec.etcd.members.length;
  if (n % 2 === 1) return [];
  return [
    {
      path: ['etcd', 'members'],
      message: `${n} etcd members tolerate no more failures than ${n - 1}, and a split can lose quorum`,
      hint: `use an odd number of members: ${n - 1} or ${n + 1}`,
    },
  ];
}

function distinctPorts(spec: Spec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const byPort = new Map<number, { path: SpecPath; owner: string }>();
  for (const { path, port, owner } of listPorts(spec)) {
    const other = byPort.get(port);
    if (other) {
      problems.push({
        path,
        alsoAt: other.path,
        message: `port ${port} is used by both ${other.owner} and ${owner}`,
        hint: 'give each component its own port, or remove the explicit port to use the one derived from local.basePort',
      });
    } else byPort.set(port, { path, owner });
  }
  if (spec.local.basePort + PORT_SPAN - 1 > 65535) {
    problems.push({
      path: ['local', 'basePort'],
      message: `the platform uses ${PORT_SPAN} ports from local.basePort, which passes 65535`,
      hint: `set local.basePort to ${65535 - PORT_SPAN + 1} or lower`,
    });
  }
  return problems;
}

function patroniTiming(spec: Spec): SpecProblem[] {
  const { ttl, loopWait, retryTimeout } = spec.postgres;
  if (loopWait + 2 * retryTimeout <= ttl) return [];
  return [
    {
      path: ['postgres', 'ttl'],
      message: `Patroni needs loop_wait + 2 * retry_timeout <= ttl, but ${loopWait} + 2 * ${retryTimeout} = ${loopWait + 2 * retryTimeout} > ${ttl}; a leader could lose its lock while still retrying`,
      hint: `raise postgres.ttl to ${loopWait + 2 * retryTimeout} or lower postgres.loopWait / postgres.retryTimeout`,
    },
  ];
}

function synchronousMode(spec: Spec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (spec.postgres.synchronousMode && spec.nodes.length < 2) {
    problems.push({
      path: ['postgres', 'synchronousMode'],
      message: 'synchronous mode needs at least 2 nodes: there is no standby to confirm commits',
      hint: 'set nodes to 2 or more, or set postgres.synchronousMode to false',
    });
  }
  if (spec.postgres.synchronousModeStrict && !spec.postgres.synchronousMode) {
    problems.push({
      path: ['postgres', 'synchronousModeStrict'],
      message: 'synchronousModeStrict only has an effect with synchronousMode',
      hint: 'set postgres.synchronousMode to true, or remove synchronousModeStrict',
    });
  }
  const candidates = spec.nodes.filter((n) => !n.nofailover).length;
  if (candidates === 0) {
    problems.push({
      path: ['nodes'],
      message: 'every node has nofailover: true, so no node can ever become the leader',
      hint: 'leave nofailover off on at least one node (two for a failover to be possible)',
    });
  }
  return problems;
}

export function isValidCidr(text: string): boolean {
  const m = /^(.+)\/(\d{1,2})$/.exec(text);
  if (!m || !isIPv4(m[1]!)) return false;
  const bits = Number(m[2]);
  return bits >= 0 && bits <= 32;
}

function cidrs(spec: Spec): SpecProblem[] {
  return spec.postgres.allowedClientCidrs.flatMap((cidr, i) =>
    isValidCidr(cidr)
      ? []
      : [
          {
            path: ['postgres', 'allowedClientCidrs', i],
            message: `"${cidr}" is not an IPv4 CIDR`,
            hint: 'write an address and prefix length, such as 127.0.0.1/32 or 10.42.0.0/16',
          },
        ],
  );
}

function stateDir(spec: Spec): SpecProblem[] {
  if (spec.local.stateDir.startsWith('/')) return [];
  return [
    {
      path: ['local', 'stateDir'],
      message: `"${spec.local.stateDir}" is a relative path; processes started from other directories would not find it`,
      hint: 'write an absolute path such as /var/lib/gardenos/garden',
    },
  ];
}
