// Files of the gardenos installation itself, found from this module: it lives in src/runtime/ when run
// from source and in node_modules/.cache/gardenos when bundled, so paths relative to it would break.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findInstallRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'bin', 'gardenos.js')) && existsSync(join(dir, 'src', 'local'))) return dir;
    if (dirname(dir) === dir)
      throw new Error(`cannot find the gardenos installation above ${fileURLToPath(import.meta.url)}`);
    dir = dirname(dir);
  }
}

const ROOT = findInstallRoot();

/** The CLI entry point; the router runs as `gardenos router` under the supervisor. */
export const GARDENOS_BIN = join(ROOT, 'bin', 'gardenos.js');

/** The plain-JS supervising loop that runs a user service. */
export const SERVICE_KEEPER = join(ROOT, 'src', 'local', 'service-keeper.mjs');

/** Starts the installed Patroni with the upstream fixes its version lacks (see the file's docstring). */
export const PATRONI_LAUNCHER = join(ROOT, 'src', 'local', 'python', 'patroni-launcher.py');

/** The sources of the program provisioning installs on each host (src/hosts/agent/). */
export const HOST_AGENT_DIR = join(ROOT, 'src', 'hosts', 'agent');
