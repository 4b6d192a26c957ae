// gardenos render --target k8s | --target hosts
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { GardenError } from '../../errors.js';
import { ensureHostsPki, hostsPkiDir, readHostTls } from '../../hosts/pki.js';
import { hostsSecretsFile, loadOrCreateHostsSecrets } from '../../hosts/secrets.js';
import { writeManifests, writeSecretFile } from '../../k8s/index.js';
import { PATRONI_LAUNCHER } from '../../runtime/install-paths.js';
import { HOSTS_HEADER, renderHost, renderHostSummary } from '../../render/hosts/index.js';
import { componentYaml, kustomizationYaml } from '../../render/k8s/index.js';
import type { Command, CommandContext } from '../command.js';
import { K8S_OPTIONS, K8S_USAGE, k8sPaths, renderFor, requireTarget } from '../k8s-source.js';
import { readSpec, specDirOf } from '../spec-source.js';

const command: Command = {
  name: 'render',
  summary: 'write Kubernetes manifests, or the files of every server of the hosts target',
  usage: `Usage: gardenos render --target k8s [--out DIR] [options]
       gardenos render --target hosts [--out DIR] [--with-secrets] [-f FILE] [--state-dir DIR]

--target k8s: writes one YAML file per component plus kustomization.yaml, so \`kubectl apply -k DIR\` works.
Deterministic: the same spec and secrets give the same bytes; only changed files are rewritten.
Passwords, the Supabase JWT secret and API keys are generated on first use into the secrets file
(mode 0600) and rendered only into secrets.yaml (mode 0600). Do not commit either; DIR/.gitignore
lists them.

--target hosts: writes DIR/<host>/<path on the host> for every file a server gets (etcd, Patroni,
HAProxy, the router, K3s: systemd units and /etc/gardenos/services.json for gardenos's supervisor),
plus DIR/<host>/services.txt. Needs a hosts section. Passwords and the K3s token are generated once
into <stateDir>/hosts/secrets.json, the CA and host certificates into <stateDir>/hosts/pki/ (0600
keys). Files holding a secret are written only with --with-secrets (mode 0600). Deterministic.

      --target k8s|hosts
${K8S_USAGE}
      --with-secrets   hosts: write the secret files (env files, private keys) too
      --state-dir DIR  hosts: where the secrets and certificates are kept (overrides local.stateDir)`,
  options: {
    ...K8S_OPTIONS,
    target: { type: 'string', short: 't' },
    'with-secrets': { type: 'boolean' },
    'state-dir': { type: 'string' },
  },
  async run(ctx) {
    const target = ctx.values.target as string | undefined;
    if (target === 'hosts') return renderHostsTarget(ctx);
    if (target !== 'k8s') {
      throw new GardenError(
        'USAGE',
        target === undefined ? 'render needs --target.' : `Unknown render target "${target}".`,
        {
          hint:
            "use `gardenos render --target k8s --out DIR` for Kubernetes manifests or `gardenos render --target hosts --out DIR` for the servers' files " +
            '(the local target renders its configs during `gardenos up`)',
        },
      );
    }
    requireTarget(ctx);
    for (const flag of ['with-secrets', 'state-dir']) {
      if (ctx.values[flag] !== undefined)
        throw new GardenError('USAGE', `--${flag} is an option of --target hosts.`, {
          hint: `remove --${flag}; the k8s target keeps its secrets in --secrets FILE`,
        });
    }
    const { spec, source } = await readSpec(ctx);
    const { outDir, secretsFile } = k8sPaths(ctx);
    const { components, createdSecrets } = await renderFor(spec, secretsFile, specDirOf(ctx));
    const files = new Map(components.map((c) => [`${c.name}.yaml`, componentYaml(c)]));
    files.set('kustomization.yaml', kustomizationYaml(spec, components));
    const result = writeManifests(outDir, files);
    const ignore = join(outDir, '.gitignore');
    if (!existsSync(ignore)) writeSecretFile(ignore, 'secrets.yaml\n.secrets.json\n');
    ctx.out.write(
      `Rendered ${components.length} components (${components.reduce((n, c) => n + c.objects.length, 0)} objects) from ${source} into ${outDir}: ` +
        `${result.written.length} written, ${result.unchanged.length} unchanged${result.removed.length ? `, ${result.removed.length} stale removed (${result.removed.join(', ')})` : ''}.\n` +
        `Secrets: ${createdSecrets ? 'generated into' : 'read from'} ${secretsFile} (mode 0600, not printed).\n` +
        `Apply with \`kubectl apply -k ${outDir}\` or \`gardenos deploy\`.\n`,
    );
    return 0;
  },
};

async function renderHostsTarget(ctx: CommandContext): Promise<number> {
  if (ctx.values.secrets !== undefined)
    throw new GardenError('USAGE', '--secrets is an option of --target k8s.', {
      hint: 'the hosts target keeps its secrets in <stateDir>/hosts/secrets.json; choose the state dir with --state-dir',
    });
  const { spec, source } = await readSpec(ctx);
  if (!spec.hosts) {
    throw new GardenError(
      'RENDER_INPUT',
      `The spec (${source}) has no hosts section, so there is nothing to render for the hosts target: ` +
        'it writes the files of each server listed under hosts (etcd, PostgreSQL with Patroni, HAProxy, the router, K3s).',
      {
        hint:
          'add a hosts section with a name, address and pinned hostKey for each server (`gardenos spec schema` lists the fields), ' +
          'or use `gardenos render --target k8s` for Kubernetes manifests and `gardenos up` for the one-machine platform',
      },
    );
  }
  const withSecrets = ctx.values['with-secrets'] === true;
  const outDir = resolve(ctx.cwd, (ctx.values.out as string | undefined) ?? 'gardenos-hosts');
  const stateDir = spec.local.stateDir;
  const secretsFile = hostsSecretsFile(stateDir);
  const { secrets, created } = loadOrCreateHostsSecrets(secretsFile);
  const { pki, issued } = ensureHostsPki(spec, hostsPkiDir(stateDir));
  const patroniLauncher = readFileSync(PATRONI_LAUNCHER, 'utf8');
  const files = new Map<string, { content: string; mode: number }>();
  let held = 0;
  for (const host of spec.hosts) {
    const bundle = renderHost(spec, host, { secrets, tls: readHostTls(pki, host.name), patroniLauncher });
    for (const f of bundle.files) {
      if (f.secret && !withSecrets) held++;
      else files.set(join(host.name, f.path), { content: f.content, mode: f.mode });
    }
    files.set(join(host.name, 'services.txt'), {
      content: renderHostSummary(host, bundle, { withSecrets }),
      mode: 0o644,
    });
  }
  const result = writeRenderDir(outDir, files);
  ctx.out.write(
    `Rendered the hosts target from ${source} into ${outDir}: ${spec.hosts.length} hosts (${spec.hosts.map((h) => h.name).join(', ')}), ` +
      `${result.written} written, ${result.unchanged} unchanged${result.removed.length ? `, ${result.removed.length} stale removed` : ''}.\n` +
      (withSecrets
        ? 'Secret files (env files with passwords and the K3s token, private keys) are included, mode 0600: keep this directory private and out of version control.\n'
        : `Secret files: ${held} not written (env files with passwords and the K3s token, private keys); each <host>/services.txt lists them. Add --with-secrets to include them.\n`) +
      `Secrets: ${created.length ? 'generated into' : 'read from'} ${secretsFile} (mode 0600, not printed). ` +
      `Certificates: ${issued.length ? `issued ${issued.join(', ')} in` : 'reused from'} ${pki.dir}.\n`,
  );
  return 0;
}

/** The render dir's own list of what it wrote, so a file no longer rendered (or a secret, without --with-secrets) is removed. */
const LISTING = '.gardenos-rendered';

function writeRenderDir(
  dir: string,
  files: ReadonlyMap<string, { content: string; mode: number }>,
): { written: number; unchanged: number; removed: string[] } {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  let written = 0;
  let unchanged = 0;
  const names = [...files.keys()].sort();
  for (const name of names) {
    const { content, mode } = files.get(name)!;
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    if (existsSync(path) && readFileSync(path, 'utf8') === content) {
      chmodSync(path, mode);
      unchanged++;
      continue;
    }
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, content, { mode });
    chmodSync(tmp, mode);
    renameSync(tmp, path);
    written++;
  }
  const listing = join(dir, LISTING);
  const before = existsSync(listing)
    ? readFileSync(listing, 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
    : [];
  const removed = before.filter(
    (name) => !files.has(name) && !name.split('/').includes('..') && existsSync(join(dir, name)),
  );
  for (const name of removed) {
    rmSync(join(dir, name));
    // Drop the directories the removal emptied (a host's secrets/ after a render without --with-secrets).
    for (let d = dirname(join(dir, name)); d.startsWith(`${dir}/`) && readdirSync(d).length === 0; d = dirname(d))
      rmdirSync(d);
  }
  writeFileSync(listing, [`# ${HOSTS_HEADER}`, ...names, ''].join('\n'), { mode: 0o644 });
  const ignore = join(dir, '.gitignore');
  if (!existsSync(ignore))
    writeFileSync(ignore, '*/etc/gardenos/secrets/\n*/etc/gardenos/tls/*.key\n', { mode: 0o644 });
  return { written, unchanged, removed };
}

export default command;
