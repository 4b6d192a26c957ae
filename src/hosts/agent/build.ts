// Builds the agent (src/hosts/agent/main.ts) into files provisioning copies to every host: one CommonJS
// bundle with its packages inside, etcd3's .proto files beside it (etcd3 reads them at run time from
// `${__dirname}/../proto`), and the supervisor. The same sources always give the same bytes.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { HOST_AGENT_DIR } from '../../runtime/install-paths.js';

/** Where the agent lives on a host: inside /var/lib/gardenos, which the lab keeps per host. */
export const AGENT_DIR = '/var/lib/gardenos/bin';
export const AGENT_PROGRAM = `${AGENT_DIR}/agent/gardenos-agent.cjs`;
export const SUPERVISOR_PROGRAM = `${AGENT_DIR}/supervisor.mjs`;

export interface AgentFile {
  path: string;
  content: string;
  mode: number;
}

// Found from the installation root: this module runs from src/ or from the CLI's bundle in node_modules/.cache.
const here = HOST_AGENT_DIR;

export async function buildAgentFiles(): Promise<AgentFile[]> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(here, 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    write: false,
    logLevel: 'error',
    // Never run on a host: the Kubernetes route target (the router there is --target haproxy).
    external: ['@kubernetes/client-node'],
    legalComments: 'none',
  });
  const bundle = result.outputFiles[0]!.text;
  const require = createRequire(join(here, 'build.ts'));
  const protoDir = join(dirname(require.resolve('etcd3/package.json')), 'proto');
  const protos = readdirSync(protoDir)
    .filter((f) => f.endsWith('.proto'))
    .sort();
  return [
    { path: AGENT_PROGRAM, content: bundle, mode: 0o755 },
    ...protos.map((f) => ({
      path: `${AGENT_DIR}/proto/${f}`,
      content: readFileSync(join(protoDir, f), 'utf8'),
      mode: 0o644,
    })),
    { path: SUPERVISOR_PROGRAM, content: readFileSync(join(here, 'supervisor.mjs'), 'utf8'), mode: 0o755 },
  ];
}
