// lab up: builds or repairs the lab, waits for every host's SSH and for the hosts to reach each other, returns the ready spec.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GardenError, describeCause, isGardenError } from '../errors.js';
import { connectHost, HostKeyError, type HostShell, type SshTarget } from '../hosts/index.js';
import type { Reporter } from '../runtime/index.js';
import {
  createBridge,
  createNetns,
  createVeth,
  ensureAddress,
  linkExists,
  linkIsUp,
  listNetns,
  setLink,
} from './iproute2.js';
import { LabJournal } from './journal.js';
import { withLabLock } from './lock.js';
import { readManifest, type LabManifest } from './manifest.js';
import { renderSshdConfig, sshdLogTail, sshdState, startSshd } from './netns-sshd.js';
import {
  DEFAULT_HOSTS,
  DEFAULT_SUBNET,
  HOST_BINDS,
  LAB_STATE_ROOT,
  parseLabName,
  parseSubnet,
  planLab,
  sshTargetOf,
  type LabHostPlan,
  type LabPlan,
} from './plan.js';
import { requireFreeSubnet, requireRoot, requireTools } from './preflight.js';
import { renderReadySpec } from './ready-spec.js';
import { mustRun } from './run.js';

export interface LabUpOptions {
  name: string;
  /** Default: the existing lab's, else 3. */
  hostCount?: number;
  /** Default: the existing lab's, else 10.213.0.0/24. */
  subnet?: string;
  stateRoot?: string;
  reporter: Reporter;
  pathEnv?: string;
  /** How long every sshd may take to answer a handshake; default 30 s. */
  readyTimeoutMs?: number;
}

export interface LabUpResult {
  plan: LabPlan;
  spec: string;
  /** True when nothing had to be created or started. */
  alreadyUp: boolean;
  /** True when this run built the lab (there was none). */
  fresh: boolean;
  changes: string[];
  seconds: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function labUp(o: LabUpOptions): Promise<LabUpResult> {
  return withLabLock(() => labUpLocked(o));
}

async function labUpLocked(o: LabUpOptions): Promise<LabUpResult> {
  const t0 = performance.now();
  requireRoot('gardenos lab up');
  requireTools(o.pathEnv);
  const stateRoot = o.stateRoot ?? LAB_STATE_ROOT;
  const name = parseLabName(o.name);
  const existing = readManifest(join(stateRoot, name, 'manifest.json'));
  const subnet = parseSubnet(o.subnet ?? existing?.subnet ?? DEFAULT_SUBNET);
  const hostCount = o.hostCount ?? existing?.hostCount ?? DEFAULT_HOSTS;
  if (existing && (existing.subnet !== subnet.text || existing.hostCount !== hostCount)) {
    throw new GardenError(
      'USAGE',
      `Lab ${name} is already up with ${existing.hostCount} hosts on ${existing.subnet}; this asks for ${hostCount} on ${subnet.text}.`,
      {
        hint: `run \`gardenos lab up --name ${name}\` without --hosts/--subnet to keep it, or \`gardenos lab down --name ${name} --yes\` first to build it anew`,
      },
    );
  }
  const plan = planLab(name, hostCount, subnet, stateRoot);
  await requireFreeSubnet(subnet, plan.bridge);
  await refuseForeign(plan, existing);
  const journal = new LabJournal(plan, existing, stateRoot);
  const step = (title: string) => o.reporter.step(title);
  try {
    let done = step('files and keys');
    await ensureFiles(plan, journal, stateRoot);
    done(`${plan.dir}`);
    done = step(`network: bridge ${plan.bridge} ${plan.bridgeAddress}, ${plan.hosts.length} namespaces`);
    await ensureNetwork(plan, journal);
    done();
    done = step('sshd on every host');
    await ensureSshds(plan, journal);
    done();
    done = step('wait: SSH handshake with every host (pinned host keys)');
    const shells = await waitForSsh(plan, journal.manifest, o.readyTimeoutMs ?? 30_000);
    done();
    try {
      done = step('check: every host reaches every other');
      await checkReachability(plan, shells);
      done();
    } finally {
      await Promise.all(shells.map((s) => s.close()));
    }
  } catch (err) {
    const state = await journal.rollback();
    if (isGardenError(err))
      throw new GardenError(err.code, err.message, {
        hint: err.hint,
        cause: err.cause,
        leftBehind: state,
        exitCode: err.exitCode,
      });
    throw err;
  }
  journal.save();
  return {
    plan,
    spec: renderReadySpec(plan, journal.manifest.hostKeys),
    alreadyUp: journal.changes.length === 0,
    fresh: journal.isNew,
    changes: journal.changes,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** A namespace or link with the lab's names that its manifest does not list is someone else's: never taken over. */
async function refuseForeign(plan: LabPlan, manifest: LabManifest | undefined): Promise<void> {
  const created = manifest?.created;
  const namespaces = new Set(await listNetns());
  const foreign: string[] = [];
  if (!created?.bridge && (await linkExists(plan.bridge))) foreign.push(`link ${plan.bridge}`);
  for (const h of plan.hosts) {
    if (!created?.namespaces.includes(h.namespace) && namespaces.has(h.namespace))
      foreign.push(`network namespace ${h.namespace}`);
    if (!created?.links.includes(h.veth) && (await linkExists(h.veth))) foreign.push(`link ${h.veth}`);
  }
  if (foreign.length > 0) {
    throw new GardenError(
      'USAGE',
      `${foreign.join(', ')} already exist${foreign.length === 1 ? 's' : ''}, but lab ${plan.name} did not create ${foreign.length === 1 ? 'it' : 'them'} (${manifest ? 'not in its manifest' : `no manifest in ${plan.dir}`}); gardenos never takes over what it did not make.`,
      {
        hint: `use another --name, or, if they are leftovers you know, remove them yourself (\`ip netns del NAME\`, \`ip link del NAME\`)`,
      },
    );
  }
}

async function keygen(file: string, comment: string): Promise<void> {
  await mustRun('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], `generate the key ${file}`);
  chmodSync(file, 0o600);
}

function writeIfChanged(path: string, content: string, mode: number): boolean {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return false;
  writeFileSync(`${path}.tmp`, content, { mode });
  renameSync(`${path}.tmp`, path);
  return true;
}

async function ensureFiles(plan: LabPlan, journal: LabJournal, stateRoot: string): Promise<void> {
  if (!existsSync(stateRoot)) {
    mkdirSync(stateRoot, { mode: 0o755 });
    journal.createdMachineDir(stateRoot);
  }
  if (!existsSync(plan.dir)) {
    mkdirSync(plan.dir, { mode: 0o700 });
    journal.created('dirs', plan.dir, `created ${plan.dir}`);
  }
  if (!existsSync(plan.clientKey)) await keygen(plan.clientKey, `gardenos-lab-${plan.name}`);
  for (const h of plan.hosts) {
    for (const sub of [...HOST_BINDS.map((b) => b.dir), 'tmp'])
      mkdirSync(join(h.root, sub), { recursive: true, mode: 0o755 });
    chmodSync(join(h.root, 'tmp'), 0o1777);
    // Root's home on the host (bound over /root): root's alone.
    mkdirSync(join(h.root, 'home'), { recursive: true, mode: 0o700 });
    // Provisioning reads this to run services under its own supervisor: never install systemd units here.
    writeIfChanged(join(h.root, 'etc', 'lab-host'), `gardenos lab "${plan.name}" host ${h.name}\n`, 0o644);
    if (!existsSync(h.hostKeyFile)) await keygen(h.hostKeyFile, `gardenos-lab-${plan.name}-${h.name}`);
    journal.manifest.hostKeys[h.name] = readFileSync(`${h.hostKeyFile}.pub`, 'utf8')
      .trim()
      .split(' ')
      .slice(0, 2)
      .join(' ');
    writeIfChanged(h.sshdConfig, renderSshdConfig(h, plan), 0o600);
  }
  for (const { mountPoint } of HOST_BINDS) {
    if (!existsSync(mountPoint)) {
      mkdirSync(mountPoint, { mode: 0o755 });
      journal.createdMachineDir(mountPoint);
    }
  }
  journal.save();
}

async function ensureNetwork(plan: LabPlan, journal: LabJournal): Promise<void> {
  if (!(await linkExists(plan.bridge))) {
    await createBridge(plan.bridge);
    journal.createdBridge(plan.bridge);
  }
  if (await ensureAddress(plan.bridge, plan.bridgeAddress))
    journal.changed(`gave ${plan.bridge} ${plan.bridgeAddress}`);
  if (!(await linkIsUp(plan.bridge))) {
    await setLink(plan.bridge, true);
    journal.changed(`set ${plan.bridge} up`);
  }
  const namespaces = new Set(await listNetns());
  for (const h of plan.hosts) {
    if (!namespaces.has(h.namespace)) {
      await createNetns(h.namespace);
      journal.created('namespaces', h.namespace, `created the network namespace ${h.namespace}`);
    }
    if (!(await linkExists(h.veth))) {
      await createVeth(h.veth, h.namespace, plan.bridge);
      journal.created('links', h.veth, `created the veth pair ${h.veth} <-> ${h.namespace}:eth0`);
    }
    if (await ensureAddress('eth0', `${h.address}/${plan.subnet.prefix}`, h.namespace))
      journal.changed(`gave ${h.name} ${h.address}`);
    // Links that are down are an isolated host (lab isolate): up heals it, since a lab is up when all hosts are.
    const down = [
      !(await linkIsUp(h.veth)) && h.veth,
      !(await linkIsUp('eth0', h.namespace)) && `${h.namespace}:eth0`,
    ].filter(Boolean);
    if (down.length > 0) {
      await setLink(h.veth, true);
      await setLink('eth0', true, h.namespace);
      journal.changed(`brought ${down.join(' and ')} up`);
    }
  }
}

function readPidFile(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function ensureSshds(plan: LabPlan, journal: LabJournal): Promise<void> {
  for (const h of plan.hosts) {
    const recorded = journal.manifest.created.pids.find((p) => p.host === h.name)?.pid;
    if ((await sshdState(h, recorded)) !== 'absent') continue;
    // An sshd started before the manifest learnt its pid (a crash in between) is found by its pid file.
    const fromFile = readPidFile(h.pidFile);
    if (fromFile !== undefined && (await sshdState(h, fromFile)) === 'running') {
      journal.startedSshd(h, fromFile);
      continue;
    }
    journal.startedSshd(h, startSshd(h));
  }
}

async function waitForHost(
  h: LabHostPlan,
  target: SshTarget,
  pid: number | undefined,
  deadline: number,
): Promise<HostShell> {
  for (;;) {
    try {
      return await connectHost(target, { readyTimeoutMs: 3000 });
    } catch (err) {
      // A refused key or login will not get better by waiting; a refused connection is sshd still starting.
      if (err instanceof HostKeyError || (isGardenError(err) && err.code === 'SSH_AUTH')) throw err;
      if ((await sshdState(h, pid)) === 'absent') {
        throw new GardenError('START_FAILED', `The sshd of lab host ${h.name} exited: ${sshdLogTail(h)}.`, {
          hint: `its log is ${h.log}; \`/usr/sbin/sshd -t -f ${h.sshdConfig}\` checks its config`,
          cause: err,
        });
      }
      if (Date.now() > deadline) {
        throw new GardenError(
          'TIMEOUT',
          `Lab host ${h.name} (${h.address}:22) did not complete an SSH handshake in time: ${describeCause(err)}`,
          {
            hint: `look at ${h.log}, and whether ${h.address} answers (\`ip netns exec ${h.namespace} ss -ltn\`)`,
            cause: err,
          },
        );
      }
      await sleep(100);
    }
  }
}

async function waitForSsh(plan: LabPlan, manifest: LabManifest, timeoutMs: number): Promise<HostShell[]> {
  const deadline = Date.now() + timeoutMs;
  const settled = await Promise.allSettled(
    plan.hosts.map((h) =>
      waitForHost(
        h,
        sshTargetOf(plan, h, manifest.hostKeys[h.name]!),
        manifest.created.pids.find((p) => p.host === h.name)?.pid,
        deadline,
      ),
    ),
  );
  const shells = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(shells.map((s) => s.close()));
    throw failed.reason;
  }
  return shells;
}

/** From inside each host, a TCP connect to every other host's port 22 (bash's /dev/tcp: no extra tool on the hosts). */
async function checkReachability(plan: LabPlan, shells: HostShell[]): Promise<void> {
  const problems: string[] = [];
  await Promise.all(
    shells.map(async (shell) => {
      const others = plan.hosts.filter((h) => h.name !== shell.target.name);
      if (others.length === 0) return;
      const script = `for a in ${others.map((h) => h.address).join(' ')}; do timeout 3 bash -c "exec 3<>/dev/tcp/$a/22" 2>/dev/null || echo "$a"; done`;
      const r = await shell.exec(script, { timeoutMs: 20_000 });
      for (const address of r.stdout.split('\n').filter(Boolean)) {
        problems.push(
          `${shell.target.name} cannot reach ${others.find((h) => h.address === address)?.name ?? address} (${address}:22)`,
        );
      }
    }),
  );
  if (problems.length > 0) {
    throw new GardenError('START_FAILED', `The lab hosts cannot all reach each other: ${problems.join('; ')}.`, {
      hint: 'bridged traffic goes through the FORWARD chain when net.bridge.bridge-nf-call-iptables is 1: check `iptables -S FORWARD` and `nft list ruleset` for a rule that drops it',
    });
  }
}
