// Lab names, subnets and addresses: what is refused (code and fix) and what a plan contains.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GardenError } from '../errors.js';
import { overlappingRoute, parseHostCount, parseLabName, parseSubnet, planLab } from './plan.js';

function refusal(fn: () => unknown): GardenError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GardenError, String(err));
    return err;
  }
  assert.fail('expected a GardenError');
}

describe('lab plan', () => {
  it('parses private subnets from /8 to /27 and refuses the rest with a fix', () => {
    assert.equal(parseSubnet('10.213.0.0/24').text, '10.213.0.0/24');
    assert.equal(parseSubnet(' 192.168.7.32/27 ').text, '192.168.7.32/27');
    assert.equal(parseSubnet('172.20.0.0/16').prefix, 16);
    const hostBits = refusal(() => parseSubnet('10.213.0.5/24'));
    assert.equal(hostBits.code, 'USAGE');
    assert.match(hostBits.hint, /--subnet 10\.213\.0\.0\/24/);
    for (const bad of ['10.213.0.0', '10.213.0.256/24', '10.213.0.0/33', 'garden', '10.0.0.0/28', '10.0.0.0/7']) {
      assert.equal(refusal(() => parseSubnet(bad)).code, 'USAGE', bad);
    }
    // Public ranges (this machine's 192.0.2.0/24 is TEST-NET-1, the journal's servers are on 5.78.x) are never taken.
    for (const pub of ['192.0.2.0/24', '5.78.0.0/16', '8.8.8.0/24', '172.32.0.0/16']) {
      assert.match(refusal(() => parseSubnet(pub)).message, /not inside a private range/, pub);
    }
  });

  it('finds the route a subnet overlaps, ignoring the default route', () => {
    const routes = [
      { dst: 'default', dev: 'eth0' },
      { dst: '192.168.1.0/24', dev: 'eth0' },
      { dst: '10.213.0.0/24', dev: 'gdn-garden' },
      { dst: '10.9.9.9' },
    ];
    assert.deepEqual(overlappingRoute(parseSubnet('10.213.0.0/16'), routes), {
      dst: '10.213.0.0/24',
      dev: 'gdn-garden',
    });
    assert.deepEqual(overlappingRoute(parseSubnet('192.168.1.128/25'), routes), { dst: '192.168.1.0/24', dev: 'eth0' });
    assert.deepEqual(overlappingRoute(parseSubnet('10.9.9.0/24'), routes), { dst: '10.9.9.9' });
    assert.equal(overlappingRoute(parseSubnet('10.213.1.0/24'), routes), undefined);
  });

  it('keeps every link name within 15 characters', () => {
    assert.equal(parseLabName('garden'), 'garden');
    for (const bad of ['toolongname', 'Garden', '1lab', 'a-b', ''])
      assert.equal(refusal(() => parseLabName(bad)).code, 'USAGE', bad);
    const plan = planLab('abcdefgh', 9, parseSubnet('10.213.0.0/24'));
    for (const name of [plan.bridge, ...plan.hosts.map((h) => h.veth)]) assert.ok(name.length <= 15, name);
  });

  it('puts the machine at .1 and the hosts from .11, with their files under the lab dir', () => {
    const plan = planLab('t1', 3, parseSubnet('10.213.50.0/24'), '/srv/labs');
    assert.equal(plan.bridge, 'gdn-t1');
    assert.equal(plan.bridgeAddress, '10.213.50.1/24');
    assert.deepEqual(
      plan.hosts.map((h) => [h.name, h.namespace, h.address]),
      [
        ['h1', 'gdn-t1-h1', '10.213.50.11'],
        ['h2', 'gdn-t1-h2', '10.213.50.12'],
        ['h3', 'gdn-t1-h3', '10.213.50.13'],
      ],
    );
    assert.equal(plan.clientKey, '/srv/labs/t1/id_ed25519');
    assert.equal(plan.hosts[1]!.sshdConfig, '/srv/labs/t1/hosts/h2/sshd_config');
    assert.equal(planLab('t1', 9, parseSubnet('192.168.5.0/27')).hosts[8]!.address, '192.168.5.19');
  });

  it('counts hosts from 1 to 9', () => {
    assert.equal(parseHostCount(undefined), 3);
    assert.equal(parseHostCount('1'), 1);
    for (const bad of ['0', '10', '2.5', 'three']) assert.equal(refusal(() => parseHostCount(bad)).code, 'USAGE', bad);
  });
});
