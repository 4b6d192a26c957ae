// Renders a HostService as a systemd unit (or, for a unit someone else installs, a drop-in).
import type { HostDirectory, HostService } from './model.js';
import { HOSTS_HEADER } from './paths.js';

/**
 * One ExecStart/Environment word. systemd splits on whitespace and honours quotes, and expands `%`
 * specifiers and `$VAR` even in words, so those are escaped ("%%", "$$"); anything unusual is quoted.
 */
export function systemdWord(word: string): string {
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const KINDS = [
  { prefix: '/var/lib/', key: 'StateDirectory' },
  { prefix: '/run/', key: 'RuntimeDirectory' },
  { prefix: '/var/log/', key: 'LogsDirectory' },
] as const;

/** systemd creates these before the start, owned by User=; one mode per kind is all systemd can say. */
function directoryLines(dirs: readonly HostDirectory[], service: string): string[] {
  const lines: string[] = [];
  for (const { prefix, key } of KINDS) {
    const mine = dirs.filter((d) => d.path.startsWith(prefix));
    if (mine.length === 0) continue;
    const modes = new Set(mine.map((d) => d.mode));
    if (modes.size > 1)
      throw new Error(`${service}: its ${key} entries need one mode, not ${[...modes].map(octal).join(' and ')}`);
    lines.push(
      `${key}=${mine.map((d) => d.path.slice(prefix.length)).join(' ')}`,
      `${key}Mode=${octal(mine[0]!.mode)}`,
    );
    // A restart must not delete the PostgreSQL socket or HAProxy's admin socket under a running client.
    if (key === 'RuntimeDirectory') lines.push('RuntimeDirectoryPreserve=yes');
  }
  const other = dirs.find((d) => !KINDS.some((k) => d.path.startsWith(k.prefix)));
  if (other) throw new Error(`${service}: ${other.path} is not under /var/lib, /run or /var/log`);
  return lines;
}

function environmentLines(s: HostService): string[] {
  return [
    ...s.environmentFiles.map((f) => `EnvironmentFile=${f}`),
    ...Object.entries(s.environment).map(([k, v]) => `Environment=${systemdWord(`${k}=${v}`)}`),
  ];
}

function unitSection(s: HostService): string[] {
  return [
    '[Unit]',
    `Description=${s.description}`,
    ...(s.after.length ? [`After=${s.after.join(' ')}`] : []),
    ...(s.wants.length ? [`Wants=${s.wants.join(' ')}`] : []),
  ];
}

export function renderSystemdUnit(s: HostService): string {
  if (s.unit !== 'own') throw new Error(`renderSystemdUnit: ${s.name} is not our unit; render its drop-in`);
  return [
    `# ${HOSTS_HEADER}`,
    ...unitSection(s),
    '',
    '[Service]',
    'Type=simple',
    `User=${s.user}`,
    `Group=${s.group}`,
    ...(s.workingDirectory ? [`WorkingDirectory=${s.workingDirectory}`] : []),
    ...environmentLines(s),
    `ExecStart=${s.exec.map(systemdWord).join(' ')}`,
    `Restart=${s.restart.policy}`,
    `RestartSec=${s.restart.delaySec}`,
    `LimitNOFILE=${s.limits.noFile}`,
    `TimeoutStopSec=${s.stop.timeoutSec}`,
    ...(s.stop.mainProcessOnly ? ['KillMode=process'] : []),
    ...directoryLines(s.directories, s.name),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** Only what gardenos adds to a unit it does not own: ordering and the environment; exec and limits stay the owner's. */
export function renderSystemdDropIn(s: HostService): string {
  if (s.unit !== 'drop-in') throw new Error(`renderSystemdDropIn: ${s.name} is our own unit`);
  return [
    `# ${HOSTS_HEADER}`,
    ...unitSection(s).filter((l) => !l.startsWith('Description=')),
    '',
    '[Service]',
    ...environmentLines(s),
    '',
  ].join('\n');
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}
