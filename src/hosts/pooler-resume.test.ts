import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_HOST_PROGRAMS } from '../render/hosts/model.js';
import { SPLIT_ROLES_YAML, hostsSpec } from '../render/hosts/fixtures.js';
import { poolerResumeCommand, resumeHostsPoolers } from './pooler-resume.js';
import type { HostShell } from './ssh.js';

describe('hosts pooler resume', () => {
  const spec = hostsSpec(SPLIT_ROLES_YAML);

  it("runs the agent as PgBouncer's OS user against its admin socket, with the spec's port", () => {
    assert.equal(
      poolerResumeCommand(spec),
      `cd / && exec setpriv --reuid=haproxy --regid=haproxy --init-groups -- ${DEFAULT_HOST_PROGRAMS.node} ${DEFAULT_HOST_PROGRAMS.gardenos} pooler-resume --socket-dir '/run/gardenos/pgbouncer' --port ${spec.pooler.port}`,
    );
  });

  it('resumes every PgBouncer host on its own connection: one that cannot be reached or refuses leaves the others resumed', async () => {
    const ran: string[] = [];
    const connect = async (target: { name: string }): Promise<HostShell> => {
      if (target.name === 'e3') throw new Error('connect ECONNREFUSED');
      return {
        target,
        exec: async (cmd: string) => {
          ran.push(`${target.name}: ${cmd.split(' ').slice(-5).join(' ')}`);
          return { code: 0, stdout: 'resumed\n', stderr: '' };
        },
        close: async () => undefined,
      } as unknown as HostShell;
    };
    const outcomes = await resumeHostsPoolers(spec, {
      specDir: '/nonexistent',
      stateDir: '/nonexistent',
      connect: connect as never,
    });
    assert.deepEqual(outcomes, [
      { host: 'e3', error: 'connect ECONNREFUSED' },
      { host: 'p2', wasPaused: true },
    ]);
    assert.deepEqual(ran, [`p2: pooler-resume --socket-dir '/run/gardenos/pgbouncer' --port ${spec.pooler.port}`]);
  });

  it("says whether the host's PgBouncer was paused (the agent prints not-paused), and names a host whose agent failed", async () => {
    const answers: Record<string, { code: number; stdout: string; stderr: string }> = {
      e3: { code: 0, stdout: 'not-paused\n', stderr: '' },
      p2: { code: 1, stdout: '', stderr: 'error [NOT_RUNNING]: no such socket\n' },
    };
    const connect = async (target: { name: string }): Promise<HostShell> =>
      ({ target, exec: async () => answers[target.name]!, close: async () => undefined }) as unknown as HostShell;
    const outcomes = await resumeHostsPoolers(spec, {
      specDir: '/nonexistent',
      stateDir: '/nonexistent',
      connect: connect as never,
    });
    assert.deepEqual(outcomes, [
      { host: 'e3', wasPaused: false },
      { host: 'p2', error: 'error [NOT_RUNNING]: no such socket' },
    ]);
  });
});
