// Conformance suite: every check is silent on a healthy world, names its fault, and explains it fully.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  BACKUP_SPEC,
  fakeContext,
  HBA,
  PLAINTEXT_SPEC,
  healthyWorld,
  HTTP_SPEC,
  LAYOUT,
  patroniYml,
  SPEC,
  type FakeWorld,
} from './fake-env.js';
import { readLiveObjects, readManifestDir } from './kube-objects.js';
import { CHECKS } from './registry.js';
import { runDoctor } from './run.js';
import type { DoctorContext } from './types.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const k8s = (dir: string) => readManifestDir(join(FIXTURES, dir));
const [pg1, pg2] = SPEC.nodes;
const dockerBase = {
  socketPath: '/var/run/docker.sock',
  socketGid: 998,
  dockerGid: 998,
  isRoot: false,
  groupMembers: ['dev'],
  userName: 'dev',
  processGroups: [1000, 998],
  docker0: { ipv4: ['172.17.0.1/16'] },
};

interface Case {
  /** Makes the healthy world faulty; the check must report `expect` in a finding title. */
  fault(w: FakeWorld, ctx: Partial<DoctorContext>): void;
  expect: RegExp;
  /** Setup that a healthy world of this layer needs (Kubernetes objects, Docker facts). */
  healthy?(w: FakeWorld): void;
  /** Context both the healthy and the faulty run use (a spec with backups, say). */
  ctx?: Partial<DoctorContext>;
}

const CASES: Record<string, Case[]> = {
  'spec.patroni-etcd-v2': [
    {
      fault: (w) => {
        w.files[LAYOUT.patroniConfig('pg2')] = patroniYml('etcd');
      },
      expect: /pg2 has a v2 `etcd:` section/,
    },
  ],
  'host.binaries': [
    {
      fault: (w) => {
        w.binaryProblems = ['patroni is not installed'];
      },
      expect: /patroni is not installed/,
    },
    {
      fault: (w) => {
        w.missingTools = ['pgbackrest'];
      },
      expect: /pgbackrest is not installed/,
    },
  ],
  'host.data-dir': [
    {
      fault: (w) => {
        w.stats[LAYOUT.pgDataDir('pg1')] = { uid: 0, gid: 0, mode: 0o40700 };
      },
      expect: /pg1 has owner uid 0/,
    },
    {
      fault: (w) => {
        w.stats[LAYOUT.pgDataDir('pg2')] = { uid: 101, gid: 104, mode: 0o40755 };
      },
      expect: /pg2 has mode 755/,
    },
  ],
  'host.ports-in-use': [
    {
      fault: (w) => {
        w.running = w.running.filter((r) => r !== 'patroni-pg2');
        w.takenPorts = [pg2!.pgPort];
      },
      expect: new RegExp(`port ${pg2!.pgPort} of patroni-pg2`),
    },
  ],
  'etcd.scheme-mismatch': [
    {
      fault: (w) => {
        w.files[LAYOUT.patroniConfig('pg1')] = patroniYml('etcd3', 'http');
      },
      expect: /patroni.yml of pg1 uses http:\/\/.*serves https/,
    },
    {
      fault: (w) => {
        w.etcdTls = false;
      },
      expect: /the spec \(etcd.scheme\) uses https:\/\/.*serves http/,
    },
  ],
  'host.secret-files': [
    {
      fault: (w) => {
        w.stats[LAYOUT.secretsFile] = { uid: 0, gid: 0, mode: 0o100644 };
      },
      expect: /secrets\.json is readable by every local user \(mode 0644\)/,
    },
    {
      fault: (w) => {
        w.stats[`${LAYOUT.certsDir}/patroni.key`] = { uid: 101, gid: 104, mode: 0o100640 };
      },
      expect: /patroni\.key is readable by its group \(mode 0640\)/,
    },
  ],
  'host.root-processes': [
    {
      healthy: (w) => {
        // The router as gardenos (uid 999): a running component, not root.
        w.files[LAYOUT.pidFile('router')] = JSON.stringify({ pid: 4242, startTime: '777' });
        w.files['/proc/4242/stat'] = `4242 (node) S ${'0 '.repeat(18)}777 0`;
        w.files['/proc/4242/status'] = 'Name:\tnode\nUid:\t999\t999\t999\t999\n';
      },
      fault: (w) => {
        w.files['/proc/4242/status'] = 'Name:\tnode\nUid:\t0\t0\t0\t0\n';
      },
      expect: /router \(pid 4242\) runs as root/,
    },
    {
      healthy: (w) => {
        // The dashboard's web side as gardenos-dashboard holds the port; the collector (root) holds none.
        w.listeners[SPEC.monitoring.dashboardPort] = [{ pid: 5151, uids: [994, 994, 994, 994] }];
      },
      fault: (w) => {
        w.listeners[SPEC.monitoring.dashboardPort] = [{ pid: 5150, uids: [0, 0, 0, 0] }];
      },
      expect: /the dashboard's web server on port \d+ \(pid 5150\) runs as root/,
    },
  ],
  'etcd.no-auth': [
    {
      fault: (w, ctx) => {
        // A platform created with etcd.scheme http, serving plain http as asked.
        ctx.spec = HTTP_SPEC;
        w.etcdTls = false;
        for (const node of ['pg1', 'pg2']) w.files[LAYOUT.patroniConfig(node)] = patroniYml('etcd3', 'http');
      },
      expect: /etcd on 127\.0\.0\.1:\d+ takes requests from anyone: plain http/,
    },
  ],
  'etcd.health': [
    {
      fault: (w) => {
        w.etcdHealthy = [false];
      },
      expect: /lost quorum: 0 of 1/,
    },
  ],
  'dcs.stale-keys': [
    {
      fault: (w) => {
        w.patroniAnswering = [];
        w.scopeKeys = [
          { name: 'initialize', value: '7710780634683790959', lease: '0' },
          { name: 'leader', value: 'pg9', lease: '0' },
        ];
      },
      expect: /leader key names pg9.*no lease/,
    },
    {
      fault: (w) => {
        w.scopeKeys = [{ name: 'initialize', value: '7710780634683790959', lease: '0' }];
      },
      expect: /initialized but has no leader/,
    },
  ],
  'patroni.api-unreachable': [
    {
      fault: (w) => {
        w.patroniAnswering = ['pg1'];
        w.running = w.running.filter((r) => r !== 'patroni-pg2');
      },
      expect: /Patroni of pg2 does not answer/,
    },
  ],
  'patroni.members': [
    {
      fault: (w) => {
        w.members = [w.members[0]!];
      },
      expect: /pg2 is missing from the cluster/,
    },
    {
      fault: (w) => {
        w.members = w.members.map((m) => ({ ...m, role: 'replica' }));
      },
      expect: /has no leader/,
    },
  ],
  'patroni.pg-hba': [
    {
      fault: (_w, ctx) => {
        ctx.clientCidrs = ['127.0.0.1/32', '172.21.0.0/16'];
      },
      expect: /rejects clients from 172.21.0.0\/16/,
    },
    {
      fault: (w) => {
        w.pg[pg1!.pgPort] = { code: '28000', message: 'no pg_hba.conf entry for host "127.0.0.1"' };
      },
      expect: /pg1 rejects a TLS connection/,
    },
    {
      ctx: { spec: PLAINTEXT_SPEC },
      fault: (w) => {
        w.files[`${LAYOUT.pgDataDir('pg1')}/pg_hba.conf`] = HBA.replaceAll('hostssl', 'host').replace(
          'host all all',
          'hostssl all all',
        );
      },
      expect: /pg1 allows clients from 127.0.0.1\/32 only over SSL/,
    },
  ],
  'postgres.plaintext': [
    {
      fault: (w) => {
        w.plaintextAccepted = [pg1!.pgPort];
      },
      expect: /pg1 lets a plaintext client in, though postgres.tls is required/,
    },
    {
      ctx: { spec: PLAINTEXT_SPEC },
      fault: () => undefined,
      expect: /accept plaintext: postgres.tls is off/,
    },
  ],
  'replication.lag': [
    {
      fault: (w) => {
        w.members[1]!.lag = 50_000_000;
      },
      expect: /pg2 lags 50000000 bytes/,
    },
  ],
  'replication.wal-archiving': [
    {
      ctx: { spec: BACKUP_SPEC },
      fault: (w) => {
        w.archiver = {
          ok: true,
          value: {
            archived: 3,
            failed: 7,
            lastArchivedWal: '000000010000000000000003',
            lastArchivedTime: '2026-11-22T00:20:00.000Z',
            lastFailedWal: '000000010000000000000004',
            lastFailedTime: '2026-11-22T00:25:00.000Z',
          },
        };
      },
      expect: /WAL archiving is failing on the primary \(7 failures, last 000000010000000000000004\)/,
    },
  ],
  'routing.primary-to-replica': [
    {
      fault: (w) => {
        w.haproxy = { ok: true, value: [{ backend: 'primary', server: 'pg2', status: 'UP' }] };
        w.pg[SPEC.haproxy.primaryPort] = { inRecovery: true };
      },
      expect: /routes to pg2, which is a replica/,
    },
    {
      fault: (w) => {
        w.pg[SPEC.haproxy.primaryPort] = { inRecovery: true };
      },
      expect: /reaches a server in recovery/,
    },
  ],
  'routing.backends-down': [
    {
      fault: (w) => {
        w.haproxy = { ok: false, error: 'ENOENT' };
      },
      expect: /HAProxy does not answer/,
    },
    {
      fault: (w) => {
        w.haproxy = {
          ok: true,
          value: [
            { backend: 'primary', server: 'pg1', status: 'DOWN' },
            { backend: 'replicas', server: 'pg2', status: 'MAINT' },
          ],
        };
      },
      expect: /no server is UP in the primary backend/,
    },
  ],
  'routing.pooler': [
    {
      fault: (w) => {
        w.pooler = { ...w.pooler!, routedTo: 'pg2', serverConnections: [{ member: 'pg2', count: 3 }] };
      },
      expect: /PgBouncer routes to pg2, but the leader is pg1/,
    },
    {
      fault: (w) => {
        w.pooler = { ...w.pooler!, clientsWaiting: 5, longestWaitS: 40 };
      },
      expect: /5 clients waiting, the longest 40 s: it is paused/,
    },
    {
      fault: (w) => {
        w.pooler = { ...w.pooler!, reachable: false };
      },
      expect: /PgBouncer \(:\d+\) does not answer/,
    },
  ],
  'routing.pooler-auth': [
    {
      fault: (w) => {
        w.poolerAuth = { role: 'missing', databasesWithout: [] };
      },
      expect: /auth role gardenos_pooler does not exist: every pooled login fails/,
    },
    {
      fault: (w) => {
        w.poolerAuth = { role: 'cannot-login', databasesWithout: [] };
      },
      expect: /gardenos_pooler may not log in \(NOLOGIN\)/,
    },
    {
      fault: (w) => {
        w.poolerAuth = { role: 'ok', databasesWithout: ['app'] };
      },
      expect: /lookup function is missing \(or not callable by gardenos_pooler\) in app: pooled logins to it fail/,
    },
  ],
  'routing.kernel-route': [
    {
      healthy: (w) => {
        w.kernelRoute = { port: 15405, routedTo: 'pg1' };
      },
      fault: (w) => {
        w.kernelRoute = { port: 15405, routedTo: 'pg2' };
      },
      expect: /the kernel route \(:15405\) sends writes to pg2, but the leader is pg1/,
    },
    {
      healthy: (w) => {
        w.kernelRoute = { port: 15405, routedTo: 'pg1' };
      },
      fault: (w) => {
        w.kernelRoute = { port: 15405, routedTo: null, readError: 'Operation not permitted' };
      },
      expect: /the kernel route \(:15405\) cannot be read/,
    },
  ],
  'monitoring.alerts': [
    {
      healthy: (w) => {
        w.alerts = { ok: true, alerts: [] };
      },
      fault: (w) => {
        w.alerts = {
          ok: true,
          alerts: [
            {
              name: 'ReplicaNotStreaming',
              severity: 'critical',
              summary: 'Fewer than 2 replicas stream from the primary',
              fix: 'run `gardenos status`',
              since: '2026-12-06T19:00:00Z',
            },
          ],
        };
      },
      expect: /alert ReplicaNotStreaming is firing: Fewer than 2 replicas stream from the primary/,
    },
    {
      healthy: (w) => {
        w.alerts = { ok: true, alerts: [] };
      },
      fault: (w) => {
        w.alerts = { ok: false, error: 'ECONNREFUSED' };
      },
      expect: /Prometheus at http:\/\/127\.0\.0\.1:15406 does not answer/,
    },
  ],
  'k8s.pvc-no-storageclass': [
    {
      healthy: (w) => {
        w.kube = k8s('k8s-healthy');
      },
      fault: (w) => {
        w.kube = k8s('k8s-journal');
      },
      expect: /claim pgdata of StatefulSet postgres-cluster\/postgres .* no default StorageClass/,
    },
  ],
  'k8s.noschedule-taints': [
    {
      healthy: (w) => {
        w.kube = k8s('k8s-healthy');
      },
      fault: (w) => {
        w.kube = k8s('k8s-journal');
      },
      expect: /fits no node/,
    },
  ],
  'k8s.service-no-endpoints': [
    {
      healthy: (w) => {
        w.kube = k8s('k8s-healthy');
      },
      fault: (w) => {
        w.kube = k8s('k8s-journal');
      },
      expect: /postgres-cluster\/postgres-primary has no endpoints/,
    },
  ],
  'k8s.patroni-etcd-v2': [
    {
      healthy: (w) => {
        w.kube = k8s('k8s-healthy');
      },
      fault: (w) => {
        w.kube = k8s('k8s-journal');
      },
      expect: /etcd v2 API/,
    },
  ],
  'k8s.pgdata-permissions': [
    {
      healthy: (w) => {
        w.kube = k8s('k8s-healthy');
      },
      fault: (w) => {
        w.kube = k8s('k8s-journal');
      },
      expect: /without fsGroup/,
    },
  ],
  'docker.group-inactive': [
    {
      healthy: (w) => {
        w.docker = { ...dockerBase };
      },
      fault: (w) => {
        w.docker = { ...dockerBase, processGroups: [1000] };
      },
      expect: /dev is in the docker group, but this session is not/,
    },
  ],
  'docker.bridge-no-ipv4': [
    {
      healthy: (w) => {
        w.docker = { ...dockerBase };
      },
      fault: (w) => {
        w.docker = { ...dockerBase, docker0: { ipv4: [] } };
      },
      expect: /docker0 has no IPv4 address/,
    },
  ],
};

describe('doctor checks (conformance)', () => {
  test('every registered check has fault cases, unique ids and a known layer', () => {
    assert.deepEqual(CHECKS.map((c) => c.id).sort(), Object.keys(CASES).sort());
    assert.equal(new Set(CHECKS.map((c) => c.id)).size, CHECKS.length);
  });

  for (const check of CHECKS) {
    describe(check.id, () => {
      const cases = CASES[check.id] ?? [];
      test('is silent on a healthy world', async () => {
        const w = healthyWorld();
        cases[0]?.healthy?.(w);
        const res = await check.run(fakeContext(w, cases[0]?.ctx));
        assert.deepEqual(res, []);
      });
      cases.forEach((c, i) =>
        test(`names its fault (case ${i + 1}) with evidence, cause and fix`, async () => {
          const w = healthyWorld();
          c.healthy?.(w);
          const over: Partial<DoctorContext> = { ...c.ctx };
          c.fault(w, over);
          const res = await check.run(fakeContext(w, over));
          assert.ok(Array.isArray(res) && res.length > 0, `expected a finding, got ${JSON.stringify(res)}`);
          assert.ok(
            res.some((p) => c.expect.test(p.title)),
            `no title matches ${c.expect}: ${res.map((p) => p.title).join(' | ')}`,
          );
          for (const p of res)
            for (const field of ['title', 'evidence', 'cause', 'fix'] as const)
              assert.ok(p[field].length > 10, `${field} is empty`);
        }),
      );
      if (
        check.layer !== 'kubernetes' &&
        check.layer !== 'docker' &&
        ![
          'spec.patroni-etcd-v2',
          'host.binaries',
          'host.data-dir',
          'host.ports-in-use',
          'etcd.scheme-mismatch',
          'patroni.pg-hba',
        ].includes(check.id)
      ) {
        test('skips when there is no platform', async () => {
          const res = await check.run(
            fakeContext(healthyWorld(), { ...CASES[check.id]?.[0]?.ctx, platformExists: false }),
          );
          assert.ok(!Array.isArray(res), JSON.stringify(res));
        });
      }
    });
  }
});

describe('doctor runner', () => {
  test('a check that throws becomes a skipped outcome, findings come in layer order', async () => {
    const w = healthyWorld();
    w.stats[LAYOUT.pgDataDir('pg1')] = { uid: 0, gid: 0, mode: 0o40777 };
    w.etcdHealthy = [false];
    const boom = {
      id: 'x.boom',
      layer: 'host' as const,
      title: 'throws',
      run: async () => {
        throw new Error('kaput');
      },
    };
    const report = await runDoctor(fakeContext(w), [
      CHECKS.find((c) => c.id === 'etcd.health')!,
      CHECKS.find((c) => c.id === 'host.data-dir')!,
      boom,
    ]);
    assert.equal(report.verdict, 'problems');
    assert.deepEqual(
      report.findings.map((f) => f.id),
      ['host.data-dir', 'etcd.health'],
    );
    assert.match(report.checks.find((c) => c.id === 'x.boom')!.reason!, /kaput/);
  });
});

describe('Kubernetes object sources', () => {
  test('manifest dirs read multi-document YAML', () => {
    const r = k8s('k8s-journal');
    assert.ok(r.ok);
    assert.deepEqual(
      r.value.map((o) => o.kind),
      ['Node', 'Node', 'ConfigMap', 'StatefulSet', 'Service'],
    );
  });

  test('a live cluster is read with one read-only kubectl get and its List is flattened', async () => {
    const calls: string[][] = [];
    const { readFileSync } = await import('node:fs');
    const r = await readLiveObjects('/k/config', async (args) => {
      calls.push(args);
      return readFileSync(join(FIXTURES, 'kubectl-get.json'), 'utf8');
    });
    assert.ok(r.ok);
    assert.deepEqual(calls[0]!.slice(0, 3), ['--kubeconfig', '/k/config', 'get']);
    assert.ok(!calls[0]!.join(' ').includes('secret'), 'Secrets are never read');
    const w = healthyWorld();
    w.kube = r;
    const pvc = await CHECKS.find((c) => c.id === 'k8s.pvc-no-storageclass')!.run(fakeContext(w));
    assert.ok(Array.isArray(pvc) && /pgdata-postgres-0/.test(pvc[0]!.title) && /phase Pending/.test(pvc[0]!.evidence));
    const taints = await CHECKS.find((c) => c.id === 'k8s.noschedule-taints')!.run(fakeContext(w));
    assert.ok(Array.isArray(taints) && taints.length === 1);
  });

  test('kubectl failures are reported as a skip, not a crash', async () => {
    const r = await readLiveObjects('/k/config', async () => {
      throw new Error('Unable to connect to the server');
    });
    assert.ok(!r.ok && /Unable to connect/.test(r.error));
  });
});
