// HaproxyRouteTarget against a real HAProxy (runtime API over its admin socket), plus the `show servers state` parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { runtimeCommand } from '../haproxy/index.js';
import { HaproxyRouteTarget, parseServersState } from './haproxy-route-target.js';
import { runRouteTargetConformance } from './route-target.conformance.js';
import { startHaproxy } from './test-support/haproxy-harness.js';
import { waitFor } from '../../test/support/processes.js';

runRouteTargetConformance('HAProxy runtime API', async () => {
  const h = await startHaproxy();
  return {
    target: new HaproxyRouteTarget(h.adminSocket),
    peer: () => new HaproxyRouteTarget(h.adminSocket),
    members: h.members,
    teardown: h.stop,
  };
});

// Captured from HAProxy 2.6.12 (`show servers state`): pg2 forced into maint (admin 1, op 0), pg3 drained
// (admin 8); the replicas lines were added in the same format to check that other backends are left out.
const CAPTURED = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
2 primary 1 pg1 127.0.0.1 2 0 1 1 0 15 3 1 6 0 0 0 - 45285 - 0 41699 - - 41699
2 primary 2 pg2 127.0.0.1 0 1 1 1 0 1 0 0 14 0 0 0 - 43865 - 0 44469 - - 44469
2 primary 3 pg3 127.0.0.1 2 8 1 1 0 1 0 1 6 0 0 0 - 41565 - 0 33039 - - 33039
3 replicas 1 pg1 127.0.0.1 2 0 1 1 0 15 3 1 6 0 0 0 - 45285 - 0 41699 - - 41699
3 replicas 2 pg2 127.0.0.1 2 0 1 1 0 15 3 1 6 0 0 0 - 43865 - 0 44469 - - 44469

`;

test('parseServersState reads name, op state and admin state of one backend only', () => {
  assert.deepEqual(parseServersState(CAPTURED, 'primary'), [
    { name: 'pg1', opState: 2, adminState: 0 },
    { name: 'pg2', opState: 0, adminState: 1 },
    { name: 'pg3', opState: 2, adminState: 8 },
  ]);
  assert.deepEqual(
    parseServersState(CAPTURED, 'replicas').map((s) => s.name),
    ['pg1', 'pg2'],
  );
  assert.deepEqual(parseServersState(CAPTURED, 'nothing'), []);
  assert.deepEqual(parseServersState('1\n# be_id be_name\n', 'primary'), []);
});

/** Connects through HAProxy's frontend and resolves with the greeting line of the member it reached. */
function connectThrough(port: number): Promise<{ socket: Socket; member: string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('error', reject);
    socket.once('data', (c: Buffer) => resolve({ socket, member: c.toString('utf8').trim(), closed }));
  });
}

test('HAProxy: apply() cuts the sessions of a demoted server and new sessions reach the new primary', async () => {
  const h = await startHaproxy();
  const target = new HaproxyRouteTarget(h.adminSocket);
  const open: Socket[] = [];
  try {
    await target.apply({ primary: 'pg1' });
    const before = await connectThrough(h.frontendPort);
    open.push(before.socket);
    assert.equal(before.member, 'pg1');
    let closedAt: number | undefined;
    void before.closed.then(() => (closedAt = performance.now()));

    const appliedAt = performance.now();
    await target.apply({ primary: 'pg2' });
    // The frontend timeouts are 30 s, so only `shutdown sessions server` can close it this fast.
    await waitFor('the session on the demoted pg1 to be closed', () => closedAt !== undefined, 2000);
    assert.ok(closedAt! - appliedAt < 2000);

    const after = await connectThrough(h.frontendPort);
    open.push(after.socket);
    assert.equal(after.member, 'pg2');
  } finally {
    for (const s of open) s.destroy();
    await h.stop();
  }
});

test('HAProxy: a drained or maintained server does not count as ready', async () => {
  const h = await startHaproxy();
  const target = new HaproxyRouteTarget(h.adminSocket);
  try {
    // Fresh from its config, every server is ready: the router's first apply is what narrows it to one.
    assert.deepEqual((await target.actual()).ready, ['pg1', 'pg2', 'pg3']);
    await runtimeCommand(h.adminSocket, 'set server primary/pg2 state drain;set server primary/pg3 state maint');
    const a = await target.actual();
    assert.deepEqual(a.ready, ['pg1']);
    assert.deepEqual(a.members, ['pg1', 'pg2', 'pg3']);
  } finally {
    await h.stop();
  }
});
