// K3s servers on hosts where systemd is PID 1: the official installer at the pinned version, started
// with the config and drop-in gardenos wrote, one server at a time (the first against the empty
// datastore, then the others), each ready before the next begins. A host already at the pinned
// version whose files did not change is left alone, so a converged cluster makes 0 changes.
import { GardenError } from '../../errors.js';
import { shellQuote, type HostShell } from '../ssh.js';

export const K3S_INSTALLER_URL = 'https://get.k3s.io';
/** Where the installer is saved before it runs: a file, never a pipe, so a cut download cannot run half a script. */
export const K3S_INSTALLER_FILE = '/var/lib/gardenos/k3s-install.sh';

/**
 * Installs K3s `version` unless `k3s --version` already reports it; prints `k3s=already` or
 * `k3s=installed`. INSTALL_K3S_SKIP_START: the unit starts once gardenos's drop-in is in place.
 */
export function k3sInstallScript(version: string): string {
  const v = shellQuote(version);
  return [
    'set -e',
    `if ${k3sAtVersion(version)}; then`,
    '  echo k3s=already',
    '  exit 0',
    'fi',
    'command -v curl >/dev/null 2>&1 || { echo "curl is not installed" >&2; exit 127; }',
    `curl -sfL --retry 3 -o ${shellQuote(K3S_INSTALLER_FILE)}.part ${shellQuote(K3S_INSTALLER_URL)}`,
    `mv ${shellQuote(K3S_INSTALLER_FILE)}.part ${shellQuote(K3S_INSTALLER_FILE)}`,
    `INSTALL_K3S_VERSION=${v} INSTALL_K3S_SKIP_START=true INSTALL_K3S_EXEC=server sh ${shellQuote(K3S_INSTALLER_FILE)} >&2`,
    'echo k3s=installed',
  ].join('\n');
}

/** A shell test: true when `k3s --version` reports exactly `version` ("k3s version v1.31.4+k3s1 (hash)"). */
export function k3sAtVersion(version: string): string {
  return `command -v k3s >/dev/null 2>&1 && k3s --version 2>/dev/null | head -n 1 | grep -qF -- ${shellQuote(` ${version} `)}`;
}

/** For --dry-run: whether the installer would run on this host. */
export async function k3sNeedsInstall(shell: HostShell, version: string): Promise<boolean> {
  return (await shell.exec(k3sAtVersion(version), { sudo: true, timeoutMs: 30_000 })).code !== 0;
}

/** Whether k3s.service runs; restarts it (after daemon-reload, for the drop-in) when asked. */
export const K3S_START_SCRIPT = [
  'set -e',
  'systemctl daemon-reload',
  'systemctl enable k3s.service >/dev/null 2>&1',
  'systemctl restart k3s.service',
].join('\n');
export const K3S_ACTIVE_CHECK = 'systemctl is-active --quiet k3s.service';
/** The API server's own readiness, asked through the kubeconfig the server writes (root only, 0600). */
export const K3S_READY_CHECK = 'k3s kubectl get --raw=/readyz --request-timeout=5s';

export interface K3sServer {
  name: string;
  shell: HostShell;
  /** Its config, drop-in or env file changed in this run: restart it even if it runs. */
  changed: boolean;
}

export interface K3sInstallOptions {
  version: string;
  report: (line: string) => void;
  /** Per server, for install plus readiness. */
  timeoutMs: number;
  pollMs?: number;
}

/** Brings up the servers in order; returns each host's changes ("installed K3s ...", "started k3s"). */
export async function installK3sServers(
  servers: readonly K3sServer[],
  o: K3sInstallOptions,
): Promise<Map<string, string[]>> {
  const changes = new Map<string, string[]>();
  for (const [i, s] of servers.entries()) {
    const done: string[] = [];
    const install = await s.shell.exec(k3sInstallScript(o.version), { sudo: true, timeoutMs: o.timeoutMs });
    if (install.code !== 0 || !/^k3s=(already|installed)$/m.test(install.stdout)) {
      throw k3sError(s, `the K3s installer failed (exit ${install.code}): ${lastLines(install.stderr)}`, i, servers);
    }
    const installed = /^k3s=installed$/m.test(install.stdout);
    if (installed) done.push(`installed K3s ${o.version}`);
    const active = (await s.shell.exec(K3S_ACTIVE_CHECK, { sudo: true, timeoutMs: 30_000 })).code === 0;
    if (installed || s.changed || !active) {
      const start = await s.shell.exec(K3S_START_SCRIPT, { sudo: true, timeoutMs: o.timeoutMs });
      if (start.code !== 0) throw k3sError(s, `k3s.service did not start: ${lastLines(start.stderr)}`, i, servers);
      done.push(active ? 'restarted k3s' : 'started k3s');
    }
    await waitReady(s, o, i, servers);
    o.report(
      `k3s: ${s.name} ${done.length > 0 ? done.join(', ') : 'already runs'} K3s ${o.version}, API ready` +
        (i === 0 && servers.length > 1 ? ' (the first server; the others join one at a time)' : ''),
    );
    changes.set(s.name, done);
  }
  return changes;
}

async function waitReady(s: K3sServer, o: K3sInstallOptions, i: number, all: readonly K3sServer[]): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const r = await s.shell.exec(K3S_READY_CHECK, { sudo: true, timeoutMs: 15_000 }).catch((err: Error) => ({
      code: -1,
      stdout: '',
      stderr: err.message,
    }));
    if (r.code === 0 && r.stdout.trim() === 'ok') return;
    last = (r.stderr || r.stdout).trim();
    await new Promise((res) => setTimeout(res, o.pollMs ?? 2000));
  }
  throw k3sError(
    s,
    `the K3s API did not report ready within ${Math.round(o.timeoutMs / 1000)} s (last answer: ${last || 'none'})`,
    i,
    all,
  );
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' / ') || 'no error text';
}

function k3sError(s: K3sServer, why: string, i: number, all: readonly K3sServer[]): GardenError {
  const waiting = all.slice(i + 1).map((x) => x.name);
  return new GardenError('HOST_COMMAND_FAILED', `K3s on host "${s.name}": ${why}.`, {
    hint: `read \`journalctl -u k3s -n 80\` on ${s.shell.target.address} (or \`gardenos logs ${s.name}/k3s\`); the datastore is the hosts' etcd over TLS, so check \`gardenos status\` too; provision resumes here when run again`,
    leftBehind:
      waiting.length > 0
        ? `${waiting.join(', ')} did not get K3s yet (servers join one at a time); etcd, PostgreSQL and HAProxy are set up`
        : 'etcd, PostgreSQL and HAProxy are set up; only K3s on this host is not ready',
  });
}
