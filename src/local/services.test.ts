// Unit tests of the service launch specs: keeper wiring, injected env, no password anywhere in them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSpec, type Spec } from '../spec/index.js';
import { layoutOf } from './layout.js';
import { buildServiceComponents } from './services.js';

const spec = loadSpec(
  `services:
  - { name: api, command: [node, server.js], cwd: /srv/app, port: 18080, needs: [replicas], env: { LOG_LEVEL: debug } }
  - { name: k8s-only, image: "a/b:1", port: 8080 }
`,
  { source: 't', defaultStateDir: (n) => `/srv/state/${n}` },
);

describe('buildServiceComponents', () => {
  test('one keeper-supervised component per local service, with its port, env and log', () => {
    const layout = layoutOf(spec.local.stateDir);
    const [api, ...rest] = buildServiceComponents(spec, layout, { PATH: '/usr/bin' });
    assert.equal(rest.length, 0, 'image-only services do not run locally');
    assert.equal(api!.kind, 'service');
    assert.equal(api!.member, 'api');
    assert.deepEqual(api!.ports, [18080]);
    assert.equal(api!.launch.cwd, '/srv/app');
    assert.equal(api!.launch.logFile, layout.logFile('service-api'));
    assert.equal(api!.launch.env.PORT, '18080');
    assert.equal(api!.launch.env.LOG_LEVEL, 'debug');
    const args = api!.launch.args;
    assert.match(args[0]!, /service-keeper\.mjs$/);
    assert.deepEqual(args.slice(args.indexOf('--') + 1), ['node', 'server.js']);
    assert.equal(
      args[args.indexOf('--password-file') + 1],
      layout.appPasswordFile,
      "the keeper reads the app role's password from its 0600 file",
    );
    assert.equal(args[args.indexOf('--user') + 1], 'app', "the services' own role, not the superuser");
    assert.equal(args[args.indexOf('--database') + 1], 'app');
    assert.ok(!args.includes(layout.secretsFile), "the superuser's secrets are not handed to the keeper");
    assert.equal(api!.launch.user, undefined, 'no user given: runs as the invoking user');
    const asApp = buildServiceComponents(spec, layout, {}, { name: 'gardenos-app', uid: 995, gid: 994 });
    assert.deepEqual(asApp[0]!.launch.user, { uid: 995, gid: 994 }, 'as root: keeper and service as the service user');
    assert.equal(args[args.indexOf('--needs') + 1], 'replicas');
    assert.equal(args[args.indexOf('--primary') + 1], '127.0.0.1:15400');
    assert.ok(!JSON.stringify(api!.launch).includes('DATABASE_URL'), 'no URL (and so no password) in argv or env');
  });

  test('a stored spec from before the app layer (no services key) has no service components', () => {
    const { services: _unused, ...old } = spec; // eslint-disable-line @typescript-eslint/no-unused-vars
    assert.deepEqual(buildServiceComponents(old as Spec, layoutOf('/srv/x'), {}), []);
  });
});
