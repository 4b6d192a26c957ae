// services.txt: what a render dir holds for one host, in words an operator reads before provisioning.
import type { HostConfig } from '../../spec/index.js';
import type { HostBundle } from './model.js';
import { HOSTS_HEADER } from './paths.js';

export function renderHostSummary(host: HostConfig, bundle: HostBundle, opts: { withSecrets: boolean }): string {
  const octal = (m: number) => m.toString(8).padStart(4, '0');
  const lines = [
    `# ${HOSTS_HEADER}`,
    `host ${host.name}  address ${host.address}${host.publicAddress ? `  public ${host.publicAddress}` : ''}  roles ${host.roles.join(', ')}`,
    '',
    'services (start order; systemd units where systemd is PID 1, else /etc/gardenos/services.json):',
    ...bundle.services.map((s) =>
      [
        `  ${s.name}${s.unit === 'drop-in' ? "  (K3s's own unit, plus a gardenos drop-in)" : ''}`,
        `    user ${s.user}:${s.group}, restart ${s.restart.policy}`,
        `    exec ${s.exec.join(' ')}`,
        ...(s.environmentFiles.length ? [`    env files ${s.environmentFiles.join(', ')}`] : []),
      ].join('\n'),
    ),
    '',
    `files (${opts.withSecrets ? 'secret files included, 0600 in this dir' : 'secret files listed but not written here; render with --with-secrets to include them'}):`,
    ...bundle.files.map(
      (f) =>
        `  ${octal(f.mode)} ${`${f.owner}:${f.group}`.padEnd(17)} ${f.path}${f.secret ? '  [secret]' : ''}${f.restarts.length ? `  -> restarts ${f.restarts.join(', ')}` : ''}`,
    ),
    '',
  ];
  return lines.join('\n');
}
