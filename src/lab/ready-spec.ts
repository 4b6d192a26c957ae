// The spec that lab up hands over (pure): the lab's hosts, their addresses, SSH login and pinned host keys.
import type { LabPlan } from './plan.js';

export function renderReadySpec(plan: LabPlan, hostKeys: Record<string, string>): string {
  return [
    `# written by gardenos lab up (lab "${plan.name}", subnet ${plan.subnet.text})`,
    `name: ${plan.name}`,
    'hosts:',
    ...plan.hosts.flatMap((h) => [
      `  - name: ${h.name}`,
      `    address: ${h.address}`,
      `    ssh: { user: root, port: 22, identityFile: ${plan.clientKey} }`,
      `    hostKey: ${hostKeys[h.name] ?? ''}`,
    ]),
    // This machine is the lab's laptop: psql and gardenos connect from its bridge address.
    'postgres:',
    `  allowedClientCidrs: [${plan.bridgeAddress.split('/')[0]}/32]   # this machine, on the lab bridge`,
    '',
  ].join('\n');
}
