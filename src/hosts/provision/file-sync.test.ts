// Planning file changes on a host: what differs, what it restarts, and the script that reads the state.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostFile } from '../../render/hosts/model.js';
import { describeChange, parseStates, planFiles, restartsOf, sha256, stateScript } from './file-sync.js';

const file = (path: string, content: string, extra: Partial<HostFile> = {}): HostFile => ({
  path,
  content,
  mode: 0o644,
  owner: 'root',
  group: 'root',
  secret: false,
  restarts: [],
  ...extra,
});

describe('file sync', () => {
  test('the state script reads mode, owner and hash of each file with a real shell, and "-" for a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gardenos-filesync-'));
    const a = join(dir, "it's a.conf");
    writeFileSync(a, 'hello\n');
    chmodSync(a, 0o640);
    const paths = [a, join(dir, 'missing.conf')];
    const out = execFileSync('sh', ['-c', stateScript(paths)], { encoding: 'utf8' });
    const [sa, sm] = parseStates(paths, out);
    assert.deepEqual(sa!.present, { mode: 0o640, owner: 'root', group: 'root', sha256: sha256('hello\n') });
    assert.equal(sm!.present, undefined);
  });

  test('only what differs is planned; content changes restart, a mode fix does not', () => {
    const files = [
      file('/etc/gardenos/etcd/etcd.yml', 'v2', { restarts: ['gardenos-etcd'] }),
      file('/etc/gardenos/patroni/patroni.yml', 'same', { restarts: ['gardenos-patroni'] }),
      file('/etc/gardenos/secrets/patroni.env', 'pw', { mode: 0o600, secret: true, restarts: ['gardenos-patroni'] }),
      file('/etc/gardenos/haproxy/haproxy.cfg', 'new', { restarts: ['gardenos-haproxy'] }),
    ];
    const present = (content: string, mode = 0o644) => ({
      sha256: sha256(content),
      mode,
      owner: 'root',
      group: 'root',
    });
    const changes = planFiles(files, [
      { path: '/etc/gardenos/etcd/etcd.yml', present: present('v1') },
      { path: '/etc/gardenos/patroni/patroni.yml', present: present('same') },
      { path: '/etc/gardenos/secrets/patroni.env', present: present('pw', 0o644) },
      { path: '/etc/gardenos/haproxy/haproxy.cfg' },
    ]);
    assert.deepEqual(
      changes.map((c) => [c.file.path, c.kinds]),
      [
        ['/etc/gardenos/etcd/etcd.yml', ['content']],
        ['/etc/gardenos/secrets/patroni.env', ['mode']],
        ['/etc/gardenos/haproxy/haproxy.cfg', ['create']],
      ],
    );
    assert.deepEqual([...restartsOf(changes)].sort(), ['gardenos-etcd', 'gardenos-haproxy']);
    assert.equal(describeChange(changes[1]!), 'mode     /etc/gardenos/secrets/patroni.env (0600 root:root, secret)');
    assert.deepEqual(planFiles(files.slice(1, 2), [{ path: files[1]!.path, present: present('same') }]), []);
  });

  test('a create-only file is written when missing and never again, whatever it holds and whoever owns it', () => {
    const route = file('/var/lib/gardenos/pgbouncer/route.ini', 'nobody', { createOnly: true, owner: 'haproxy' });
    assert.deepEqual(
      planFiles([route], [{ path: route.path }]).map((c) => c.kinds),
      [['create']],
    );
    const rewritten = { sha256: sha256('the leader'), mode: 0o600, owner: 'haproxy', group: 'haproxy' };
    assert.deepEqual(planFiles([route], [{ path: route.path, present: rewritten }]), []);
  });
});
