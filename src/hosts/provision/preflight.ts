// Before anything is changed on any host: Debian 12, how services run there, free disk, clocks that
// agree, and no other program on the ports gardenos needs. One command per host gathers the facts.
import { GardenError } from '../../errors.js';
import { clockList, leastClockSkew } from '../../runtime/index.js';
import type { HostShell } from '../ssh.js';

/** Written by `gardenos lab up` on each lab host: never install systemd units there, whatever PID 1 is. */
export const LAB_MARKER = '/etc/gardenos/lab-host';

export interface HostFacts {
  readonly host: string;
  /** `debian 12`, from /etc/os-release. */
  readonly os: string;
  readonly init: 'systemd' | 'supervisor';
  /** Why init is what it is, for the progress line. */
  readonly initWhy: string;
  readonly freeKiB: number;
  /** Host clock minus ours, at the middle of a round trip that read nothing but the clock. */
  readonly clockOffsetMs: number;
  /** Half that round trip: the true offset lies within clockOffsetMs ± this. */
  readonly clockUncertaintyMs: number;
  /** Listening TCP port -> the command line of the process holding it. */
  readonly listening: ReadonlyMap<number, string>;
}

/** How far the hosts' clocks may disagree: etcd leases and certificate validity assume they agree. */
export const MAX_CLOCK_SKEW_MS = 1000;

export const FACTS_SCRIPT = [
  '. /etc/os-release 2>/dev/null; echo "os=${ID:-unknown} ${VERSION_ID:-?}"',
  'echo "pid1=$(cat /proc/1/comm 2>/dev/null)"',
  '[ -d /run/systemd/system ] && echo systemd-run=yes || echo systemd-run=no',
  `[ -e ${LAB_MARKER} ] && echo lab=yes || echo lab=no`,
  'mkdir -p /var/lib/gardenos && echo "free=$(df -Pk /var/lib/gardenos | awk \'NR==2 {print $4}\')"',
  // One line per listening socket: the port, then the holder's argv (spaces for NULs).
  `ss -Hltnp 2>/dev/null | while read -r _ _ _ local _ users; do pid=$(echo "$users" | sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p' | head -1); ` +
    `echo "listen=\${local##*:} $( [ -n "$pid" ] && tr '\\0' ' ' < /proc/$pid/cmdline 2>/dev/null)"; done`,
].join('\n');

/** Read on its own: a clock sampled inside a long script sits anywhere in the round trip, not in its middle. */
export const CLOCK_SCRIPT = 'echo "clock=$(date +%s%3N)"';

export function parseFacts(host: string, stdout: string, clock: HostClock): HostFacts {
  const listening = new Map<number, string>();
  const kv = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^([a-z0-9-]+)=(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'listen') {
      const [port, ...cmd] = m[2]!.split(' ');
      const n = Number(port);
      if (Number.isInteger(n) && !listening.has(n)) listening.set(n, cmd.join(' ').trim());
    } else kv.set(m[1]!, m[2]!);
  }
  const lab = kv.get('lab') === 'yes';
  const systemd = kv.get('pid1') === 'systemd' && kv.get('systemd-run') === 'yes';
  const init = systemd && !lab ? 'systemd' : 'supervisor';
  const initWhy = lab
    ? 'a gardenos lab host'
    : systemd
      ? 'systemd is PID 1'
      : `PID 1 is ${kv.get('pid1') || 'unknown'}, not systemd`;
  return {
    host,
    os: kv.get('os') ?? 'unknown',
    init,
    initWhy,
    freeKiB: Number(kv.get('free') ?? 0),
    clockOffsetMs: clock.offsetMs,
    clockUncertaintyMs: clock.uncertaintyMs,
    listening,
  };
}

export interface HostClock {
  readonly offsetMs: number;
  readonly uncertaintyMs: number;
}

/** The clock line of CLOCK_SCRIPT, read between sentAt and receivedAt (this machine's clock). */
export function parseClock(stdout: string, sentAt: number, receivedAt: number): HostClock {
  const clock = Number(/^clock=(\d+)$/m.exec(stdout)?.[1] ?? Number.NaN);
  if (!Number.isFinite(clock)) return { offsetMs: Number.NaN, uncertaintyMs: Number.NaN };
  return { offsetMs: clock - (sentAt + receivedAt) / 2, uncertaintyMs: (receivedAt - sentAt) / 2 };
}

export async function gatherFacts(shell: HostShell, now: () => number = Date.now): Promise<HostFacts> {
  const r = await shell.exec(FACTS_SCRIPT, { sudo: true, timeoutMs: 20_000, readOnly: true });
  if (r.code !== 0) {
    throw new GardenError(
      'HOST_COMMAND_FAILED',
      `Could not read the basics of host "${shell.target.name}" (os-release, df, ss, date): exit ${r.code}, ${r.stderr.trim()}.`,
      {
        hint: 'gardenos needs a Debian 12 host with coreutils and iproute2 (ss); check that the host is a normal Debian install',
      },
    );
  }
  const sentAt = now();
  const c = await shell.exec(CLOCK_SCRIPT, { timeoutMs: 20_000, readOnly: true });
  const receivedAt = now();
  return parseFacts(shell.target.name, r.stdout, parseClock(c.stdout, sentAt, receivedAt));
}

export interface PreflightNeeds {
  /** Ports each host's roles bind, with who binds them. */
  readonly ports: ReadonlyMap<string, readonly { port: number; owner: string }[]>;
  readonly minFreeKiB: number;
  readonly maxClockSkewMs: number;
}

/** Problems per host, each a sentence with its fix; empty when every host may be provisioned. */
export function checkFacts(facts: readonly HostFacts[], needs: PreflightNeeds): string[] {
  const problems: string[] = [];
  for (const f of facts) {
    if (f.os !== 'debian 12') {
      problems.push(
        `host "${f.host}" runs ${f.os}, not Debian 12: the packages and paths gardenos uses are Debian 12's; install Debian 12 (bookworm) on it`,
      );
    }
    if (f.freeKiB < needs.minFreeKiB) {
      problems.push(
        `host "${f.host}" has ${Math.floor(f.freeKiB / 1024)} MiB free under /var/lib, less than the ${Math.floor(needs.minFreeKiB / 1024)} MiB PostgreSQL and etcd need to start; free some space or grow the disk`,
      );
    }
    for (const { port, owner } of needs.ports.get(f.host) ?? []) {
      const holder = f.listening.get(port);
      if (holder !== undefined && !isOurs(holder)) {
        problems.push(
          `on host "${f.host}" port ${port} (for ${owner}) is taken by \`${holder || 'a process gardenos cannot see'}\`; stop that service (e.g. a Debian-started ${guessService(holder)}) or move it, then run provision again`,
        );
      }
    }
  }
  const read = facts.filter((f) => Number.isFinite(f.clockOffsetMs) && Number.isFinite(f.clockUncertaintyMs));
  if (read.length === facts.length && read.length > 1) {
    const skew = leastClockSkew(read);
    if (skew > needs.maxClockSkewMs) {
      problems.push(
        `the hosts' clocks differ by at least ${Math.round(skew)} ms (${clockList(read.map((f) => ({ ...f, label: f.host })))}), more than ${needs.maxClockSkewMs} ms: etcd leases and TLS certificates assume agreeing clocks; enable NTP on every host (apt-get install systemd-timesyncd, or chrony)`,
      );
    }
  }
  return problems;
}

/** A process that runs from gardenos's own config or data directories is one of ours (a converged host). */
function isOurs(cmdline: string): boolean {
  return /\/(etc|var\/lib|run)\/gardenos\//.test(cmdline);
}

function guessService(cmdline: string): string {
  const name = cmdline.split(' ')[0]?.split('/').pop() ?? '';
  return name ? `${name} service` : 'service';
}
