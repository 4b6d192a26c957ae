// Unit tests of the Kubernetes target: schema validation of every object, determinism, no leaked secrets.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments, parse } from 'yaml';
import { GardenError } from '../../errors.js';
import {
  FAKE_ETCD_TLS,
  FAKE_SECRETS,
  FULL_YAML,
  HOSTS_YAML,
  INGRESS_YAML,
  MINIMAL_YAML,
  secretValues,
  specFrom,
  findObject,
  renderFixture,
} from './fixtures.js';
import { allObjects, renderK8s, renderK8sFiles, type K8sObject } from './index.js';
import { validateObject } from './validate-models.js';
import { appRoleSql } from '../app-role-sql.js';

const render = renderFixture;
const find = findObject;

describe('render --target k8s', () => {
  test("hosts: pods reach PostgreSQL through every host's HAProxy: selector-less Services, EndpointSlices of the host addresses, no StatefulSet or router", () => {
    const objs = allObjects(render(HOSTS_YAML));
    assert.deepEqual(
      objs.filter(
        (o) => ['StatefulSet', 'PodDisruptionBudget', 'Role'].includes(o.kind) || o.metadata.name.endsWith('-router'),
      ),
      [],
    );
    for (const [service, port] of [
      ['garden-primary', 5000],
      ['garden-replicas', 5001],
    ] as const) {
      const svc = find(objs, 'Service', service);
      assert.equal(svc.spec.selector, undefined, `${service} has no selector`);
      assert.deepEqual(svc.spec.ports, [{ name: 'postgresql', port: 5432, targetPort: port, protocol: 'TCP' }]);
      const slice = find(objs, 'EndpointSlice', `${service}-hosts`) as unknown as {
        ports: unknown;
        endpoints: { addresses: string[] }[];
        metadata: K8sObject['metadata'];
      };
      assert.equal(slice.metadata.labels?.['kubernetes.io/service-name'], service);
      assert.deepEqual(slice.ports, [{ name: 'postgresql', port, protocol: 'TCP' }]);
      assert.deepEqual(
        slice.endpoints.map((e) => e.addresses[0]),
        ['10.20.0.11', '10.20.0.12', '10.20.0.13'],
      );
    }
    // The apps keep their connection names: the Supabase and app Secrets still point at garden-primary.
    const appDb = find(objs, 'Secret', 'garden-app-db');
    assert.match(Buffer.from(appDb.data['database-url'], 'base64').toString(), /@garden-primary:5432\//);
  });

  for (const [name, yaml] of [
    ['full', FULL_YAML],
    ['ingress', INGRESS_YAML],
    ['minimal', MINIMAL_YAML],
    ['hosts', HOSTS_YAML],
  ] as const) {
    test(`${name}: every object validates against the Kubernetes OpenAPI schemas`, () => {
      const objs = allObjects(render(yaml));
      assert.ok(objs.length > 3);
      for (const o of objs) validateObject(o);
    });
    test(`${name}: rendering twice gives identical bytes, and the YAML parses back to the objects`, () => {
      const a = renderK8sFiles({ spec: specFrom(yaml), secrets: FAKE_SECRETS, etcdTls: FAKE_ETCD_TLS });
      const b = renderK8sFiles({ spec: specFrom(yaml), secrets: FAKE_SECRETS, etcdTls: FAKE_ETCD_TLS });
      assert.deepEqual([...a.entries()], [...b.entries()]);
      const components = render(yaml);
      for (const c of components) {
        const docs = parseAllDocuments(a.get(`${c.name}.yaml`)!).map((d) => d.toJS());
        assert.deepEqual(docs, JSON.parse(JSON.stringify(c.objects)));
      }
      const kustomization = parse(a.get('kustomization.yaml')!) as { resources: string[] };
      assert.deepEqual(
        kustomization.resources,
        components.map((c) => `${c.name}.yaml`),
      );
    });
    test(`${name}: no secret value outside a Secret, and every object is namespaced or cluster-wide on purpose`, () => {
      const values = [...secretValues(FAKE_SECRETS), FAKE_ETCD_TLS.key];
      for (const o of allObjects(render(yaml))) {
        if (o.kind === 'Secret') continue;
        const text = JSON.stringify(o);
        for (const v of values) assert.ok(!text.includes(v), `${o.kind}/${o.metadata.name} carries a secret value`);
        if (!['Namespace', 'StorageClass'].includes(o.kind)) assert.equal(o.metadata.namespace, 'gardenos');
      }
    });
  }

  test('the schema check bites: a string port, a misspelled field and an unknown kind are rejected', () => {
    const typo = structuredClone(find(allObjects(render(MINIMAL_YAML)), 'StatefulSet', 'garden-postgres'));
    typo.spec.template.spec.containers[0].readynessProbe = typo.spec.template.spec.containers[0].readinessProbe;
    assert.throws(
      () => validateObject(typo),
      /fields the API does not know: StatefulSet\.spec\.template\.spec\.containers\[0\]\.readynessProbe/,
    );
    const sts = structuredClone(find(allObjects(render(MINIMAL_YAML)), 'StatefulSet', 'garden-postgres'));
    sts.spec.template.spec.containers[0].ports[0].containerPort = '5432';
    assert.throws(
      () => validateObject(sts),
      /StatefulSet\/garden-postgres does not match .*containerPort must be integer/,
    );
    assert.throws(
      () => validateObject({ apiVersion: 'v1', kind: 'Pod2', metadata: { name: 'x' } }),
      /no schema for v1 Pod2/,
    );
  });

  test('Patroni StatefulSet: 3 members, etcd3 hosts, pod CIDR in pg_hba, owner fix, volumes, anti-affinity, probes', () => {
    const objs = allObjects(render(FULL_YAML));
    const sts = find(objs, 'StatefulSet', 'garden-postgres');
    assert.equal(sts.spec.replicas, 3);
    const pod = sts.spec.template.spec;
    assert.equal(pod.initContainers[0].name, 'data-dir-owner');
    // No chown (that needs root): fsGroup gives the volume to the postgres group, the script sets 0700.
    assert.doesNotMatch(pod.initContainers[0].command[2], /chown/);
    assert.match(pod.initContainers[0].command[2], /chmod 0700 \/home\/postgres\/pgdata\/pgroot\/data/);
    assert.deepEqual(pod.securityContext.fsGroup, 103);
    assert.equal(pod.containers[0].readinessProbe.httpGet.path, '/readiness');
    assert.equal(pod.containers[0].livenessProbe.httpGet.path, '/liveness');
    assert.equal(
      pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey,
      'kubernetes.io/hostname',
    );
    assert.deepEqual(sts.spec.volumeClaimTemplates[0].spec.resources.requests, { storage: '10Gi' });
    assert.equal(sts.spec.volumeClaimTemplates[0].spec.storageClassName, 'local-path');
    const env = new Map<string, any>(pod.containers[0].env.map((e: any) => [e.name, e])); // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual(env.get('PATRONI_SUPERUSER_PASSWORD').valueFrom, {
      secretKeyRef: { name: 'garden-postgres', key: 'superuser-password' },
    });
    const config = parse(find(objs, 'ConfigMap', 'garden-patroni').data['patroni.yml']);
    assert.deepEqual(config.etcd3.hosts, ['etcd1.internal:2379', 'etcd2.internal:2379', 'etcd3.internal:2379']);
    assert.equal(config.etcd, undefined, 'never the v2 etcd section');
    assert.ok(config.postgresql.pg_hba.includes('host all all 10.42.0.0/16 scram-sha-256'));
    assert.ok(config.postgresql.pg_hba.includes('host replication replicator 10.42.0.0/16 scram-sha-256'));
    assert.ok(!config.postgresql.pg_hba.some((l: string) => /\btrust\b|\bmd5\b/.test(l)));
    assert.equal(config.bootstrap.dcs.ttl, 20);
    assert.deepEqual(find(objs, 'PodDisruptionBudget', 'garden-postgres').spec.maxUnavailable, 1);
  });

  test('Services select role=primary / role=replica; the headless one publishes unready members', () => {
    const objs = allObjects(render(FULL_YAML));
    assert.equal(find(objs, 'Service', 'garden-primary').spec.selector.role, 'primary');
    assert.equal(find(objs, 'Service', 'garden-replicas').spec.selector.role, 'replica');
    const headless = find(objs, 'Service', 'garden-headless');
    assert.equal(headless.spec.clusterIP, 'None');
    assert.equal(headless.spec.publishNotReadyAddresses, true);
  });

  test('user services get DATABASE_URL / DATABASE_READ_URL from a Secret, by their needs', () => {
    const objs = allObjects(render(FULL_YAML));
    const envOf = (name: string) =>
      find(objs, 'Deployment', name).spec.template.spec.containers[0].env as {
        name: string;
        valueFrom?: unknown;
        value?: string;
      }[];
    const main = envOf('main-api');
    assert.deepEqual(main.find((e) => e.name === 'DATABASE_URL')?.valueFrom, {
      secretKeyRef: { name: 'garden-app-db', key: 'database-url' },
    });
    assert.deepEqual(main.find((e) => e.name === 'DATABASE_READ_URL')?.valueFrom, {
      secretKeyRef: { name: 'garden-app-db', key: 'database-read-url' },
    });
    assert.equal(main.find((e) => e.name === 'LOG_LEVEL')?.value, 'info');
    const agents = envOf('agents');
    assert.ok(!agents.some((e) => e.name === 'DATABASE_URL'));
    assert.ok(agents.some((e) => e.name === 'DATABASE_READ_URL'));
    const secret = find(objs, 'Secret', 'garden-app-db');
    // The services' own role and database, never the superuser.
    assert.equal(
      Buffer.from(secret.data['database-url'], 'base64').toString(),
      'postgresql://app:fake-app-pw-0020@garden-primary:5432/app',
    );
    assert.equal(
      Buffer.from(secret.data['database-read-url'], 'base64').toString(),
      'postgresql://app:fake-app-pw-0020@garden-replicas:5432/app',
    );
    // The Job that creates that role reads both passwords from Secrets; its SQL is the local one.
    const job = find(objs, 'Job', 'garden-app-role');
    const c = job.spec.template.spec.containers[0];
    assert.deepEqual(c.command, ['psql', '-f', '/app-role/app-role.sql']);
    assert.deepEqual(c.env.find((e: { name: string }) => e.name === 'GARDENOS_APP_PASSWORD')?.valueFrom, {
      secretKeyRef: { name: 'garden-app-db', key: 'password' },
    });
    assert.deepEqual(c.env.find((e: { name: string }) => e.name === 'PGPASSWORD')?.valueFrom, {
      secretKeyRef: { name: 'garden-postgres', key: 'superuser-password' },
    });
    const sql = find(objs, 'ConfigMap', 'garden-app-role').data['app-role.sql'] as string;
    assert.ok(sql.includes(appRoleSql(specFrom(FULL_YAML))));
    assert.ok(!sql.includes('fake-app-pw'));
  });

  test('no services: no app role Job and no app Secret', () => {
    const objs = allObjects(render(MINIMAL_YAML));
    assert.ok(!objs.some((o) => o.metadata.name === 'garden-app-role' || o.metadata.name === 'garden-app-db'));
  });

  test('Supabase services point at the primary Service; the bootstrap Job reads passwords from Secrets', () => {
    const objs = allObjects(render(FULL_YAML));
    const supa = find(objs, 'Secret', 'garden-supabase');
    for (const key of ['auth-database-url', 'rest-database-url', 'storage-database-url']) {
      assert.match(Buffer.from(supa.data[key], 'base64').toString(), /@garden-primary:5432\/postgres$/);
    }
    const job = find(objs, 'Job', 'garden-supabase-bootstrap');
    const env = job.spec.template.spec.containers[0].env as { name: string; value?: string }[];
    assert.equal(env.find((e) => e.name === 'PGHOST')?.value, 'garden-primary');
    assert.ok(env.filter((e) => /PASSWORD/.test(e.name)).every((e) => e.value === undefined));
    assert.equal(
      find(objs, 'Deployment', 'garden-auth').spec.strategy.type,
      'Recreate',
      'GoTrue migrates without a lock',
    );
  });

  test('Gateway API: prefix-stripping HTTPRoutes for auth, rest, storage, and /api to the main API', () => {
    const objs = allObjects(render(FULL_YAML));
    for (const [name, prefix, port] of [
      ['auth', '/auth/v1', 9999],
      ['rest', '/rest/v1', 3000],
      ['storage', '/storage/v1', 5000],
    ] as const) {
      const rule = find(objs, 'HTTPRoute', `garden-${name}`).spec.rules[0];
      assert.deepEqual(rule.matches, [{ path: { type: 'PathPrefix', value: prefix } }]);
      assert.deepEqual(rule.filters[0], {
        type: 'URLRewrite',
        urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } },
      });
      assert.deepEqual(rule.backendRefs, [{ name: `garden-${name}`, port }]);
    }
    const api = find(objs, 'HTTPRoute', 'garden-main-api').spec.rules[0];
    assert.deepEqual(api.matches, [{ path: { type: 'PathPrefix', value: '/api' } }]);
    assert.equal(api.filters, undefined);
    const gw = find(objs, 'Gateway', 'garden');
    assert.deepEqual(
      gw.spec.listeners.map((l: { protocol: string }) => l.protocol),
      ['HTTP', 'HTTPS'],
    );
    assert.ok(!objs.some((o) => o.kind === 'Ingress'));
  });

  test('Ingress on request: the class, TLS, nginx prefix rewrites, /api unstripped', () => {
    const objs = allObjects(render(INGRESS_YAML));
    assert.ok(!objs.some((o) => o.kind === 'HTTPRoute' || o.kind === 'Gateway'));
    const rest = find(objs, 'Ingress', 'garden-rest');
    assert.equal(rest.spec.ingressClassName, 'nginx');
    assert.deepEqual(rest.spec.tls, [{ hosts: ['api.example.com'], secretName: 'api-example-com-tls' }]);
    assert.equal(rest.metadata.annotations?.['nginx.ingress.kubernetes.io/rewrite-target'], '/$2');
    assert.equal(rest.spec.rules[0].http.paths[0].path, '/rest/v1(/|$)(.*)');
    const services = find(objs, 'Ingress', 'garden-services');
    assert.deepEqual(services.spec.rules[0].http.paths[0], {
      path: '/api',
      pathType: 'Prefix',
      backend: { service: { name: 'main-api', port: { number: 8080 } } },
    });
  });

  test('missing etcd endpoints and an image-less service are user errors with hints', () => {
    const isRenderInput = (err: unknown) =>
      err instanceof GardenError && err.code === 'RENDER_INPUT' && err.exitCode === 2 && err.hint.length > 0;
    assert.throws(() => render(''), isRenderInput);
    assert.throws(
      () => render(MINIMAL_YAML + 'services:\n  - { name: api, command: [x], port: 18080 }\n'),
      isRenderInput,
    );
    assert.throws(
      () =>
        renderK8s({
          spec: specFrom(FULL_YAML),
          secrets: { postgres: FAKE_SECRETS.postgres, appPassword: FAKE_SECRETS.appPassword },
        }),
      isRenderInput,
    );
  });
});
