// verify on the hosts target: the same VerifyEnv as on one machine, with the processes on the hosts
// (read and signalled over one SSH connection per host, each pid checked against its start time right
// before it is signalled), the cluster over TLS, and systemd or the supervisor restarting what died.
import { etcdMembersStatus } from '../dcs/index.js';
import { describeCause } from '../errors.js';
import { switchover } from '../ops/leader-change.js';
import type { ProcessHandle, VerifyEnv } from '../ops/verify/env.js';
import { verifyPg } from '../ops/verify/pg-clients.js';
import { verifyPgParts } from '../ops/verify/pg-env.js';
import { HOST_PATHS, SERVICE_NAMES } from '../render/hosts/paths.js';
import { etcdClientEndpoints } from '../render/index.js';
import { primaryAndReplicasProblem } from '../runtime/index.js';
import { hostsWithRole, type Spec } from '../spec/index.js';
import { hostsAccess } from './access.js';
import { hostsPkiAt, hostsPkiDir } from './pki.js';
import { gatherFacts } from './provision/preflight.js';
import { SupervisorControl } from './provision/service-control.js';
import { ShellPool } from './shell-pool.js';
import { shellQuote } from './ssh.js';
import { collectHostsStatus } from './status.js';
import { readFileSync } from 'node:fs';

export interface HostsVerifyOptions {
  specDir: string;
  agentSocket?: string;
  signal: AbortSignal;
}

/** "PID STARTTIME" for each live (not zombie) process of the list: the identity of a process on a host. */
const IDENTITY_FN = `ident() { s=; read -r s < /proc/$1/stat 2>/dev/null || return 1; r=\${s##*") "}; set -- $r; [ "$1" != Z ] && [ "$1" != X ] && echo "\${20}"; }`;

export function identityScript(pids: readonly number[]): string {
  return `${IDENTITY_FN}; for p in ${pids.join(' ')}; do st=$(ident $p) && echo "$p $st"; done; true`;
}

/** Direct children of a pid, "PID STARTTIME" each, from /proc (builtins only: fast with hundreds of processes). */
export function childrenScript(pid: number): string {
  return `for d in /proc/[0-9]*; do s=; read -r s < $d/stat 2>/dev/null || continue; r=\${s##*") "}; set -- $r; [ "$2" = ${pid} ] && [ "$1" != Z ] && echo "\${d#/proc/} \${20}"; done; true`;
}

/** Signals each process only if its start time is still the one recorded (a reused pid is left alone). */
export function signalScript(handles: readonly ProcessHandle[], sig: NodeJS.Signals): string {
  const name = sig.replace(/^SIG/, '');
  if (!/^[A-Z0-9]+$/.test(name)) throw new Error(`not a signal name: ${sig}`);
  const steps = handles.map(
    (h) => `[ "$(ident ${h.id.pid})" = ${shellQuote(h.id.startTime)} ] && kill -s ${name} ${h.id.pid}`,
  );
  return `${IDENTITY_FN}; ${steps.map((s) => `${s};`).join(' ')} true`;
}

export function parseIdentities(stdout: string): { pid: number; startTime: string }[] {
  return stdout
    .split('\n')
    .map((l) => /^(\d+) (\d+)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), startTime: m[2]! }));
}

/** Which host and service a verify component id names. */
export function serviceOfComponent(spec: Spec, id: string): { host: string; service: string } | undefined {
  const front = hostsWithRole(spec, 'haproxy')[0]?.name;
  const m = /^(patroni|etcd)-(.+)$/.exec(id);
  if (m) return { host: m[2]!, service: m[1] === 'patroni' ? SERVICE_NAMES.patroni : SERVICE_NAMES.etcd };
  if ((id === 'haproxy' || id === 'router') && front) return { host: front, service: SERVICE_NAMES[id] };
  return undefined;
}

export function hostsVerifyEnv(spec: Spec, o: HostsVerifyOptions): VerifyEnv {
  const access = hostsAccess(spec);
  const stateDir = spec.local.stateDir;
  const pki = hostsPkiAt(hostsPkiDir(stateDir));
  const pool = new ShellPool(spec, {
    specDir: o.specDir,
    stateDir,
    ...(o.agentSocket ? { agentSocket: o.agentSocket } : {}),
  });
  const inits = new Map<string, Promise<'systemd' | 'supervisor'>>();
  const initOf = (host: string) => {
    let p = inits.get(host);
    if (!p) {
      p = pool.borrow(host).then(async (shell) => (await gatherFacts(shell)).init);
      p.catch(() => inits.delete(host));
      inits.set(host, p);
    }
    return p;
  };
  const sh = async (host: string, cmd: string) => {
    const r = await pool.exec(host, cmd, { sudo: true, timeoutMs: 15_000 });
    if (r.code !== 0) throw new Error(`on host ${host}: ${r.stderr.trim() || `exit ${r.code}`}`);
    return r.stdout;
  };
  const mainPid = async (host: string, service: string): Promise<number | undefined> => {
    if ((await initOf(host)) === 'systemd') {
      const pid = Number((await sh(host, `systemctl show -p MainPID --value ${shellQuote(service)}.service`)).trim());
      return pid > 0 ? pid : undefined;
    }
    const states = await new SupervisorControl(await pool.borrow(host), '').states();
    const s = states.get(service);
    return s?.state === 'running' && s.pid ? s.pid : undefined;
  };
  const identify = async (host: string, pid: number, label: string): Promise<ProcessHandle | undefined> => {
    const id = parseIdentities(await sh(host, identityScript([pid])))[0];
    return id ? { label, id, host } : undefined;
  };
  /** What holdDown froze, resumed by heal. */
  let held: ProcessHandle[] = [];
  const signal = async (handles: readonly ProcessHandle[], sig: NodeJS.Signals) => {
    const hosts = [...new Set(handles.map((h) => h.host!))];
    await Promise.all(
      hosts.map((host) =>
        sh(
          host,
          signalScript(
            handles.filter((h) => h.host === host),
            sig,
          ),
        ),
      ),
    );
  };
  const component = async (id: string): Promise<ProcessHandle | undefined> => {
    const where = serviceOfComponent(spec, id);
    if (!where) return undefined;
    const pid = await mainPid(where.host, where.service);
    return pid === undefined ? undefined : identify(where.host, pid, `${where.service}@${where.host}`);
  };
  const vpg = verifyPg(spec, access.secrets, access.primaryEndpoint, readFileSync(pki.caFile));
  const status = () => collectHostsStatus(spec, { specDir: o.specDir, agentSocket: o.agentSocket, connect: pool.lend });

  return {
    spec,
    signal: o.signal,
    async problems() {
      const s = await status();
      if (s.health === 'down') return s.problems;
      const problems = [...s.problems];
      try {
        const missing = await access.withPg(access.primaryEndpoint, (c) => primaryAndReplicasProblem(c, spec));
        if (missing) problems.push(missing);
      } catch (err) {
        problems.push(`the primary port does not take a write: ${describeCause(err)}`);
      }
      return problems;
    },
    isDown: async () => (await status()).health === 'down',
    async heal() {
      const resumed = held;
      held = [];
      if (resumed.length > 0) await signal(resumed, 'SIGCONT');
      const started = resumed.map((h) => h.label);
      // systemd starts a failed unit again only within its start limit; the supervisor always does.
      for (const host of spec.hosts ?? []) {
        if ((await initOf(host.name)) !== 'systemd') continue;
        const out = await sh(
          host.name,
          `systemctl list-units --type=service --state=failed --plain --no-legend 'gardenos-*' || true`,
        );
        for (const unit of out
          .split('\n')
          .map((l) => l.trim().split(/\s+/)[0])
          .filter((u) => u?.endsWith('.service'))) {
          await sh(host.name, `systemctl reset-failed ${shellQuote(unit!)}; systemctl start ${shellQuote(unit!)}`);
          started.push(`${unit}@${host.name}`);
        }
      }
      return started;
    },
    async cluster(skip) {
      const view = await access.clusterReader(1500).read(skip === undefined ? {} : { skip });
      return view.source === null ? undefined : view;
    },
    etcdMembers: () => etcdMembersStatus(etcdClientEndpoints(spec), 1000, { caFile: pki.caFile, ...pki.operator }),
    component,
    async postmaster(node) {
      const file = `${HOST_PATHS.patroni.dataDir(spec.postgres.version)}/postmaster.pid`;
      const pid = Number((await sh(node, `head -1 ${shellQuote(file)} 2>/dev/null || true`)).trim());
      return pid > 0 ? identify(node, pid, `postmaster of ${node}`) : undefined;
    },
    async childrenOf(h) {
      return parseIdentities(await sh(h.host!, childrenScript(h.id.pid))).map((id) => ({
        label: `child ${id.pid} of ${h.label}`,
        id,
        host: h.host!,
      }));
    },
    sendSignal: signal,
    async isAlive(h) {
      const id = parseIdentities(await sh(h.host!, identityScript([h.id.pid])))[0];
      return id?.startTime === h.id.startTime;
    },
    async holdDown(id) {
      const h = await component(id);
      if (h) {
        held.push(h);
        await signal([h], 'SIGSTOP');
      }
      return 'froze';
    },
    switchover: () => switchover(access, { timeoutMs: 120_000 }),
    ...verifyPgParts(vpg),
    close: () => pool.close(),
  };
}
