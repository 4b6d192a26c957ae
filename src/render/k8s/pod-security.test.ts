// Every container of every workload: restricted securityContext, its image's user, resources, and
// writable paths that are emptyDirs (or the data volumes); the router's probes; images by digest.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { GardenError } from '../../errors.js';
import { FIXTURES, FULL_YAML, MINIMAL_YAML, findObject, podTemplates, renderFixture, specFrom } from './fixtures.js';
import { allObjects } from './index.js';
import { DEFAULT_RESOURCES, SPEC_FIELD, quantityValue } from './resources.js';

interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { containerPort: number }[];
  securityContext?: Record<string, unknown>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  readinessProbe?: { httpGet?: { path: string; port: number } };
  livenessProbe?: { httpGet?: { path: string; port: number } };
}

/** Every container of every pod of a fixture, init containers too, with its pod. */
function containersOf(yaml: string) {
  const objs = allObjects(renderFixture(yaml));
  const claimTemplates = (name: string) =>
    ((objs.find((o) => `${o.kind}/${o.metadata.name}` === name) as { spec?: { volumeClaimTemplates?: unknown[] } }).spec
      ?.volumeClaimTemplates ?? []) as { metadata: { name: string } }[];
  return podTemplates(objs).flatMap((p) =>
    [...((p.spec.initContainers ?? []) as Container[]), ...(p.spec.containers as Container[])].map((c) => ({
      where: `${p.workload} container ${c.name}`,
      container: c,
      pod: p,
      claims: claimTemplates(p.workload).map((t) => t.metadata.name),
    })),
  );
}

/** Who each container runs as: uid:gid, and the pod's fsGroup where it has a volume to write. */
const EXPECTED_USERS: Record<string, string> = {
  'StatefulSet/garden-postgres container data-dir-owner': '101:103 fsGroup 103',
  'StatefulSet/garden-postgres container patroni': '101:103 fsGroup 103',
  'Deployment/garden-router container router': '65532:65532',
  'Job/garden-supabase-bootstrap container bootstrap': '999:999',
  'Job/garden-app-role container app-role': '999:999',
  'Deployment/garden-auth container auth': '1000:1000',
  'Deployment/garden-rest container rest': '1000:1000',
  'Deployment/garden-storage container storage': '1000:1000 fsGroup 1000',
  'Deployment/main-api container main-api': '65532:65532',
  'Deployment/agents container agents': '65532:65532',
};

describe('render --target k8s: containers', () => {
  for (const [fixture, yaml] of FIXTURES) {
    test(`${fixture}: every container is restricted, runs as its image's non-root user, and has requests and limits`, () => {
      const containers = containersOf(yaml);
      assert.ok(containers.length >= (fixture === 'minimal' ? 3 : 5), containers.map((c) => c.where).join(', '));
      for (const { where, container: c, pod } of containers) {
        const sc = c.securityContext ?? {};
        assert.equal(sc.allowPrivilegeEscalation, false, where);
        assert.deepEqual(sc.capabilities, { drop: ['ALL'] }, `${where}: drops every capability, adds none`);
        assert.equal(sc.runAsNonRoot, true, where);
        assert.equal(sc.readOnlyRootFilesystem, true, where);
        assert.ok(typeof sc.runAsUser === 'number' && sc.runAsUser > 0, `${where}: a non-zero runAsUser`);
        assert.ok(typeof sc.runAsGroup === 'number' && sc.runAsGroup > 0, `${where}: a non-zero runAsGroup`);
        const fsGroup = pod.spec.securityContext?.fsGroup as number | undefined;
        const user = `${sc.runAsUser}:${sc.runAsGroup}${fsGroup === undefined ? '' : ` fsGroup ${fsGroup}`}`;
        assert.equal(user, EXPECTED_USERS[where], where);
        assert.equal(pod.spec.securityContext?.runAsNonRoot, true, `${pod.workload}: the pod too`);
        for (const r of ['cpu', 'memory']) {
          const request = c.resources?.requests?.[r];
          const limit = c.resources?.limits?.[r];
          assert.ok(request && limit, `${where}: requests and limits ${r}`);
          assert.ok(
            quantityValue(limit) >= quantityValue(request),
            `${where}: ${r} limit ${limit} >= request ${request}`,
          );
        }
      }
    });

    test(`${fixture}: every path a container may write is an emptyDir or a data volume; config and Secrets are read-only`, () => {
      for (const { where, container: c, pod, claims } of containersOf(yaml)) {
        const volumes = new Map<string, Record<string, unknown>>(
          (pod.spec.volumes ?? []).map((v: { name: string }) => [v.name, v]),
        );
        for (const m of c.volumeMounts ?? []) {
          const v = volumes.get(m.name);
          const data = claims.includes(m.name) || v?.persistentVolumeClaim !== undefined;
          assert.ok(v || data, `${where}: volume ${m.name} exists`);
          if (v?.configMap || v?.secret) assert.equal(m.readOnly, true, `${where}: ${m.mountPath} is read-only`);
          else assert.ok(data || v?.emptyDir, `${where}: ${m.mountPath} is writable, so an emptyDir or a data volume`);
        }
      }
    });
  }

  test('what each image writes: the emptyDirs and data volumes of every container, by path', () => {
    const writable = Object.fromEntries(
      containersOf(FULL_YAML).map(({ where, container: c }) => [
        where,
        (c.volumeMounts ?? [])
          .filter((m) => !m.readOnly)
          .map((m) => m.mountPath)
          .sort(),
      ]),
    );
    assert.deepEqual(writable, {
      'StatefulSet/garden-postgres container data-dir-owner': ['/home/postgres/pgdata'],
      'StatefulSet/garden-postgres container patroni': [
        '/dev/shm',
        '/home/postgres/pgdata',
        '/tmp',
        '/var/run/postgresql',
      ],
      'Deployment/garden-router container router': [],
      'Job/garden-supabase-bootstrap container bootstrap': [],
      'Job/garden-app-role container app-role': [],
      'Deployment/garden-auth container auth': [],
      'Deployment/garden-rest container rest': [],
      'Deployment/garden-storage container storage': ['/tmp', '/var/lib/storage'],
      'Deployment/main-api container main-api': ['/tmp'],
      'Deployment/agents container agents': ['/tmp'],
    });
    const pod = findObject(allObjects(renderFixture(FULL_YAML)), 'StatefulSet', 'garden-postgres').spec.template.spec;
    assert.deepEqual(
      pod.volumes.find((v: { name: string }) => v.name === 'shm').emptyDir,
      { medium: 'Memory', sizeLimit: '256Mi' },
      'shared memory in RAM, bounded',
    );
  });

  test("Patroni's config writes only where the pod has an emptyDir: its socket dir and its pgpass", () => {
    const objs = allObjects(renderFixture(FULL_YAML));
    const config = parse(findObject(objs, 'ConfigMap', 'garden-patroni').data['patroni.yml']);
    const patroni = containersOf(FULL_YAML).find((c) => c.where.endsWith('container patroni'))!.container;
    const emptyDirs = (patroni.volumeMounts ?? []).filter((m) => !m.readOnly).map((m) => m.mountPath);
    const inside = (path: string) => emptyDirs.some((dir) => path === dir || path.startsWith(`${dir}/`));
    assert.ok(inside(config.postgresql.pgpass), config.postgresql.pgpass);
    assert.ok(inside(config.postgresql.parameters.unix_socket_directories));
    assert.ok(inside(config.postgresql.data_dir));
  });

  test('the namespace enforces Pod Security "restricted", so the API server refuses a pod that lost its hardening', () => {
    const ns = findObject(allObjects(renderFixture(MINIMAL_YAML)), 'Namespace', 'gardenos');
    assert.equal(ns.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
  });

  test("resources: the table's defaults agree with the spec's, k8s.resources overrides value by value", () => {
    const spec = specFrom(MINIMAL_YAML);
    for (const [kind, field] of Object.entries(SPEC_FIELD)) {
      const given = spec.k8s.resources[field];
      const table = DEFAULT_RESOURCES[kind as keyof typeof SPEC_FIELD];
      for (const part of ['requests', 'limits'] as const)
        for (const [r, v] of Object.entries(given[part] ?? {}))
          assert.equal(v, table[part][r as 'cpu' | 'memory'], `k8s.resources.${field}.${part}.${r}`);
    }
    const patroniOf = (yaml: string) =>
      findObject(allObjects(renderFixture(yaml)), 'StatefulSet', 'garden-postgres').spec.template.spec.containers[0]
        .resources;
    assert.deepEqual(patroniOf(MINIMAL_YAML), {
      requests: { cpu: '250m', memory: '512Mi' },
      limits: { cpu: '2', memory: '1Gi' },
    });
    const withResources = (r: string) => MINIMAL_YAML + `  resources:\n    postgres: ${r}\n`;
    assert.deepEqual(patroniOf(withResources('{ limits: { cpu: "4" } }')), {
      requests: { cpu: '250m', memory: '512Mi' },
      limits: { cpu: '4', memory: '1Gi' },
    });
    // A request above the default limit: the default limit yields to it.
    assert.deepEqual(patroniOf(withResources('{ requests: { memory: 2Gi } }')).limits, { cpu: '2', memory: '2Gi' });
    assert.throws(
      () => renderFixture(withResources('{ requests: { memory: 2Gi }, limits: { memory: 1Gi } }')),
      (e: unknown) =>
        e instanceof GardenError &&
        e.code === 'RENDER_INPUT' &&
        /k8s\.resources\.postgres\.limits\.memory \(1Gi\) is below its request \(2Gi\)/.test(e.message) &&
        /at least 2Gi/.test(e.hint),
    );
  });

  test('the router has liveness and readiness probes on the /healthz of the port it is told to listen on', () => {
    const router = containersOf(MINIMAL_YAML).find(
      (c) => c.where === 'Deployment/garden-router container router',
    )!.container;
    const listen = router.args![router.args!.indexOf('--listen') + 1]!;
    const port = Number(listen.split(':')[1]);
    for (const probe of [router.readinessProbe, router.livenessProbe])
      assert.deepEqual(probe?.httpGet, { path: '/healthz', port });
    assert.deepEqual(
      router.ports?.map((p) => p.containerPort),
      [port],
    );
  });

  test('images pinned by digest are accepted by the spec and rendered unchanged', () => {
    const digest = `@sha256:${'0123456789abcdef'.repeat(4)}`;
    const images = {
      patroni: `ghcr.io/zalando/spilo-17${digest}`,
      router: `ghcr.io/gardenos/gardenos${digest}`,
      psql: `postgres${digest}`,
      busybox: `busybox${digest}`,
      auth: `supabase/gotrue${digest}`,
      rest: `postgrest/postgrest${digest}`,
      storage: `supabase/storage-api${digest}`,
    };
    const yaml = FULL_YAML.replace(
      '  makeStorageClassDefault: true\n',
      `  makeStorageClassDefault: true\n  images: ${JSON.stringify(images)}\n`,
    ).replace('registry.example.com/main-api:1.4.2', `registry.example.com/main-api${digest}`);
    const rendered = new Set(containersOf(yaml).map((c) => c.container.image));
    for (const image of [...Object.values(images), `registry.example.com/main-api${digest}`])
      assert.ok(rendered.has(image), `${image} is rendered as given`);
    assert.throws(() => specFrom(MINIMAL_YAML + `  images: { router: "ghcr.io/gardenos/gardenos@sha256:abc" }\n`));
  });
});
