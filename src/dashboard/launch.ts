// How the supervisor starts the dashboard: a module of its own, so `up` and `status` load none of the
// dashboard's server packages.
import type { Layout } from '../local/layout.js';
import { GARDENOS_BIN } from '../runtime/install-paths.js';

/**
 * How the supervisor runs the dashboard: `node bin/gardenos.js dashboard --state-dir DIR`. The state
 * dir is all it needs (it reads the stored spec, the secrets and the token file from it), so no secret
 * is ever on its command line. Run it with cwd = the state dir, so no stray ./gardenos.yaml is read.
 */
export function dashboardLaunchArgs(layout: Pick<Layout, 'root'>): { command: string; args: string[] } {
  return { command: process.execPath, args: [GARDENOS_BIN, 'dashboard', '--state-dir', layout.root] };
}
