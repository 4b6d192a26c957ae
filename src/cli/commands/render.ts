// gardenos render --target k8s
import { writeManifests } from '../../k8s/index.js';
import { componentYaml, kustomizationYaml } from '../../render/k8s/index.js';
import { writeSecretFile } from '../../k8s/index.js';
import type { Command } from '../command.js';
import { K8S_OPTIONS, K8S_USAGE, k8sPaths, renderFor, requireTarget } from '../k8s-source.js';
import { readSpec } from '../spec-source.js';
import { join } from 'node:path';
import { existsSync } from 'node:fs';

const command: Command = {
  name: 'render',
  summary: 'write Kubernetes manifests for the spec',
  usage: `Usage: gardenos render --target k8s [--out DIR] [options]

Writes one YAML file per component plus kustomization.yaml, so \`kubectl apply -k DIR\` works.
Deterministic: the same spec and secrets give the same bytes; only changed files are rewritten.
Passwords, the Supabase JWT secret and API keys are generated on first use into the secrets file
(mode 0600) and rendered only into secrets.yaml (mode 0600). Do not commit either; DIR/.gitignore
lists them.

      --target k8s       the only target this command renders
${K8S_USAGE}`,
  options: { ...K8S_OPTIONS, target: { type: 'string', short: 't' } },
  async run(ctx) {
    requireTarget(ctx);
    const { spec, source } = readSpec(ctx);
    const { outDir, secretsFile } = k8sPaths(ctx);
    const { components, createdSecrets } = await renderFor(spec, secretsFile);
    const files = new Map(components.map((c) => [`${c.name}.yaml`, componentYaml(c)]));
    files.set('kustomization.yaml', kustomizationYaml(spec, components));
    const result = writeManifests(outDir, files);
    const ignore = join(outDir, '.gitignore');
    if (!existsSync(ignore)) writeSecretFile(ignore, 'secrets.yaml\n.secrets.json\n');
    ctx.out.write(`Rendered ${components.length} components (${components.reduce((n, c) => n + c.objects.length, 0)} objects) from ${source} into ${outDir}: ` +
      `${result.written.length} written, ${result.unchanged.length} unchanged${result.removed.length ? `, ${result.removed.length} stale removed (${result.removed.join(', ')})` : ''}.\n` +
      `Secrets: ${createdSecrets ? 'generated into' : 'read from'} ${secretsFile} (mode 0600, not printed).\n` +
      `Apply with \`kubectl apply -k ${outDir}\` or \`gardenos deploy\`.\n`);
    return 0;
  },
};

export default command;
