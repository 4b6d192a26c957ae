// The supervisor that runs a host's services where systemd is not PID 1, tested with real processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../../test/support/processes.js';

const SUPERVISOR = new URL('./supervisor.mjs', import.meta.url).pathname;

interface Status {
  pid: number;
  services: Record<string, { state: string; pid: number | null; revision: string | null; restarts: number }>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('supervisor', () => {
  let dir: string;
  let sup: ChildProcess;
  let exited: Promise<number | null>;
  const manifest = () => join(dir, 'services.json');
  const status = () => JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8')) as Status;
  const service = (name: string, revision: string, exec: string[], extra: object = {}) => ({
    name,
    description: name,
    user: 'root',
    group: 'root',
    exec,
    environmentFiles: [],
    environment: {},
    after: [],
    wants: [],
    restart: { policy: 'always', delaySec: 0.1 },
    limits: { noFile: 1024 },
    stop: { timeoutSec: 5, mainProcessOnly: false },
    directories: [{ path: join(dir, 'data', name), mode: 0o750 }],
    logFile: join(dir, 'log', `${name}.log`),
    unit: 'own',
    revision,
    ...extra,
  });
  const write = (services: object[]) => writeFileSync(manifest(), JSON.stringify({ services }));
  const running = (name: string) => (s: Status) =>
    s.services[name]?.state === 'running' && s.services[name]?.pid ? s.services[name] : undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gardenos-supervisor-'));
    writeFileSync(
      join(dir, 'app.env'),
      '# the secret comes from the file, never from argv\nAPP_SECRET="s3cret-from-env-file"\n',
      { mode: 0o600 },
    );
    write([
      service('alpha', 'r1', ['sleep', '1000']),
      service('beta', 'r1', ['sh', '-c', `echo "$APP_SECRET $GREETING" > ${join(dir, 'beta.out')}; exec sleep 1000`], {
        environmentFiles: [join(dir, 'app.env')],
        environment: { GREETING: 'hello' },
      }),
    ]);
    sup = spawn(process.execPath, [SUPERVISOR, manifest(), join(dir, 'status.json')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((r) => sup.on('exit', (code) => r(code)));
  });
  after(() => {
    if (sup.exitCode === null) sup.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('starts every service with its env files and environment, and makes its directories', async () => {
    const beta = await waitFor('both services running', () => {
      try {
        const s = status();
        return running('alpha')(s) && running('beta')(s);
      } catch {
        return undefined;
      }
    });
    assert.ok(alive(beta.pid!));
    const out = await waitFor('beta to write its environment', () => {
      try {
        return readFileSync(join(dir, 'beta.out'), 'utf8');
      } catch {
        return undefined;
      }
    });
    assert.equal(out.trim(), 's3cret-from-env-file hello');
    assert.ok(
      !readFileSync(`/proc/${beta.pid}/cmdline`, 'utf8').includes('s3cret'),
      'the secret is not on the command line',
    );
    assert.equal(statSync(join(dir, 'data', 'alpha')).mode & 0o777, 0o750);
  });

  test('a killed service is restarted', async () => {
    const before = status().services.alpha!;
    process.kill(before.pid!, 'SIGKILL');
    const now = await waitFor('alpha restarted', () => {
      const s = running('alpha')(status());
      return s && s.pid !== before.pid ? s : undefined;
    });
    assert.equal(now.restarts, before.restarts + 1);
  });

  test('SIGHUP restarts only the service whose revision changed, and stops removed ones', async () => {
    const { alpha, beta } = status().services;
    write([service('alpha', 'r2', ['sleep', '1000'])]);
    sup.kill('SIGHUP');
    const now = await waitFor('alpha at r2 and beta gone', () => {
      const s = status();
      return s.services.alpha?.revision === 'r2' && running('alpha')(s) && !s.services.beta ? s : undefined;
    });
    assert.notEqual(now.services.alpha!.pid, alpha!.pid);
    await waitFor('beta process gone', () => !alive(beta!.pid!));
    write([service('alpha', 'r2', ['sleep', '1000'])]);
    sup.kill('SIGHUP');
    await waitFor('the reload to be written', () => status().services.alpha?.pid === now.services.alpha!.pid);
    assert.ok(alive(now.services.alpha!.pid!), 'an unchanged service is left running');
  });

  test('SIGTERM stops every service, then the supervisor exits 0', async () => {
    const pid = status().services.alpha!.pid!;
    sup.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.ok(!alive(pid));
    assert.equal(status().services.alpha!.state, 'stopped');
  });
});
