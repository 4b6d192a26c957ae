// The hosts' systemd units, read by systemd's own parser (`systemd-analyze verify`): every key known,
// every value parsed, every ExecStart program present. The lab runs these services under gardenos's
// supervisor (no systemd in a network namespace), so this is where the unit files themselves are proven.
// Needs the packages the units start (what `gardenos setup` installs); k3s's drop-in is left out, as
// there is no k3s.service to add it to here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { findOnPath } from '../../runtime/index.js';
import { renderHost } from './bundle.js';
import { fixtureInput, hostOf, hostsSpec, SPLIT_ROLES_YAML, THREE_HOSTS_YAML } from './fixtures.js';

const INSTALL =
  'apt-get install -y systemd etcd-server patroni haproxy pgbouncer pgbackrest prometheus prometheus-postgres-exporter (or `npx gardenos setup --with-browser`)';

describe('the hosts’ systemd units, verified by systemd-analyze', () => {
  for (const [name, yaml] of [
    ['journal (3 hybrid hosts, backup on)', THREE_HOSTS_YAML],
    ['split roles (5 hosts)', SPLIT_ROLES_YAML],
  ] as const) {
    test(name, () => {
      assert.ok(findOnPath('systemd-analyze'), `systemd-analyze is missing: ${INSTALL}`);
      const spec = hostsSpec(yaml);
      const dir = mkdtempSync(join(tmpdir(), 'gardenos-units-'));
      try {
        let units = 0;
        for (const host of spec.hosts!) {
          const bundle = renderHost(spec, hostOf(spec, host.name), fixtureInput(host.name));
          const files = bundle.files.filter((f) => /^\/etc\/systemd\/system\/[^/]+\.service$/.test(f.path));
          assert.ok(files.length > 0, `${host.name} has units`);
          const hostDir = join(dir, host.name);
          mkdirSync(hostDir);
          for (const f of files) writeFileSync(join(hostDir, basename(f.path)), f.content);
          const r = spawnSync(
            'systemd-analyze',
            ['verify', '--man=no', '--recursive-errors=no', ...files.map((f) => join(hostDir, basename(f.path)))],
            { encoding: 'utf8' },
          );
          // Warnings (an unknown key, a value it ignores) exit 0: any output at all is a failure.
          assert.equal(
            `${r.stdout}${r.stderr}`.trim(),
            '',
            `${host.name}: systemd-analyze verify said (a missing program: ${INSTALL})`,
          );
          assert.equal(r.status, 0, host.name);
          units += files.length;
        }
        assert.ok(units >= spec.hosts!.length * 2, `${units} units`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
