// The ready spec is a valid gardenos.yaml with one host per lab host, each with its pinned key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSpec } from '../spec/index.js';
import { parseSubnet, planLab } from './plan.js';
import { renderReadySpec } from './ready-spec.js';

const KEYS: Record<string, string> = {
  h1: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINCsEKakdtQpDEZw/isaK1+Q0QtLCuMH7axQ7RcQqovG',
  h2: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMwgU0XaCQnKlVDgegToqQLn1RcRkzxrtNnAMAFS+2c/',
  h3: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII90UDVMIisCvUVwwuWcA7gwffdEO7a1s+ihTagB0hYX',
};

describe('renderReadySpec', () => {
  const plan = planLab('garden', 3, parseSubnet('10.213.0.0/24'));
  const text = renderReadySpec(plan, KEYS);

  it('names the lab, the subnet, and each host with address, login and pinned key', () => {
    assert.ok(
      text.startsWith('# written by gardenos lab up (lab "garden", subnet 10.213.0.0/24)\nname: garden\nhosts:\n'),
    );
    assert.ok(
      text.includes(
        [
          '  - name: h2',
          '    address: 10.213.0.12',
          '    ssh: { user: root, port: 22, identityFile: /var/lib/gardenos-lab/garden/id_ed25519 }',
          `    hostKey: ${KEYS.h2}`,
        ].join('\n'),
      ),
    );
    assert.ok(
      text.includes('postgres:\n  allowedClientCidrs: [10.213.0.1/32]'),
      'the machine itself may connect to PostgreSQL',
    );
    assert.equal(renderReadySpec(plan, KEYS), text);
  });

  it('loads as a spec of the hosts target', () => {
    const spec = loadSpec(text, { source: 'gardenos-lab.yaml', defaultStateDir: (n) => `/tmp/${n}`, fromFile: true });
    assert.deepEqual(
      spec.hosts?.map((h) => [h.name, h.address, h.hostKey, h.ssh.identityFile]),
      plan.hosts.map((h) => [h.name, h.address, KEYS[h.name], plan.clientKey]),
    );
  });
});
