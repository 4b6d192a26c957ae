// The real VerifyEnv: a local platform's processes, Patroni, etcd and PostgreSQL, and `up` to heal.
import { localAccess } from '../access.js';
import { etcdMembersStatus } from '../../dcs/index.js';
import { GardenError } from '../../errors.js';
import {
  NodeProcessRunner,
  etcdClientTls,
  openPlatform,
  primaryAndReplicasProbe,
  readSecrets,
  up,
  type LocalPlatform,
  localClusterReader,
  localPgSsl,
} from '../../local/index.js';
import { silentReporter } from '../../runtime/index.js';
import { etcdClientEndpoints, type PlatformSecrets } from '../../render/index.js';
import type { Spec } from '../../spec/index.js';
import { switchover } from '../leader-change.js';
import { collectStatus } from '../status.js';
import type { VerifyEnv } from './env.js';
import { verifyPg } from './pg-clients.js';
import { verifyPgParts } from './pg-env.js';
import { childrenOf, readPostmaster } from './process-tree.js';

export function openVerifyEnv(spec: Spec, signal: AbortSignal): VerifyEnv {
  const runner = new NodeProcessRunner();
  const platform = openPlatform(spec, runner);
  const secrets = readSecrets(platform.layout);
  const reader = localClusterReader(spec, 1500);
  const handleOf = (id: string) => platform.processes.find((p) => p.id === id);
  return {
    spec,
    signal,
    problems: () => problemsOf(platform, secrets),
    isDown: async () => !platform.processes.some((p) => p.running()),
    async heal() {
      const r = await up({ spec, runner, reporter: silentReporter, timeoutMs: 180_000 });
      return r.started;
    },
    async cluster(skip) {
      const view = await reader.read(skip === undefined ? {} : { skip });
      return view.source === null ? undefined : view;
    },
    etcdMembers: () => etcdMembersStatus(etcdClientEndpoints(spec), 1000, etcdClientTls(platform)),
    async component(id) {
      const live = handleOf(id)?.running();
      return live ? { label: id, id: live } : undefined;
    },
    async postmaster(node) {
      const id = readPostmaster(platform.layout.pgDataDir(node));
      return id ? { label: `postmaster of ${node}`, id } : undefined;
    },
    childrenOf: async (h) => childrenOf(h.id.pid).map((id) => ({ label: `child ${id.pid} of ${h.label}`, id })),
    async sendSignal(handles, sig) {
      for (const h of handles) runner.signal(h.id, sig);
    },
    isAlive: async (h) => runner.isAlive(h.id),
    async holdDown(id, graceMs) {
      await handleOf(id)?.stop({ graceMs });
      return 'stopped';
    },
    switchover: () => switchover(localAccess(spec, secrets), { timeoutMs: 120_000 }),
    ...verifyPgParts(
      verifyPg(spec, secrets, { host: spec.local.bindAddress, port: spec.haproxy.primaryPort }, localPgSsl(spec).ca),
    ),
    close: async () => undefined,
  };
}

async function problemsOf(platform: LocalPlatform, secrets: PlatformSecrets): Promise<string[]> {
  const status = await collectStatus(platform);
  if (status.health === 'down') return status.problems;
  const problems = [...status.problems];
  try {
    // status does not write: this adds "the primary port takes a write" and the live replication check.
    const missing = await primaryAndReplicasProbe(platform.spec, secrets)();
    if (missing) problems.push(missing);
  } catch (err) {
    problems.push(`the primary port does not take a write: ${(err as Error).message}`);
  }
  return problems;
}

export function notRunning(spec: Spec): GardenError {
  if (spec.hosts) {
    return new GardenError('NOT_RUNNING', `No service of ${spec.name} runs on its hosts and etcd does not answer.`, {
      hint: 'start them with `gardenos provision`, then run verify again',
    });
  }
  return new GardenError('NOT_RUNNING', `No process of the platform in ${spec.local.stateDir} is running.`, {
    hint: 'start it with `gardenos up`, then run verify again',
  });
}
