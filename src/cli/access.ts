// The running platform a day-2 command talks to: the hosts named in a hosts spec, else the local one.
import { hostsAccess } from '../hosts/access.js';
import { layoutOf, readSecrets } from '../local/index.js';
import { localAccess, type PlatformAccess } from '../ops/access.js';
import type { CommandContext } from './command.js';
import { readPlatformSpec, readSpec } from './spec-source.js';

export async function openAccess(ctx: CommandContext): Promise<PlatformAccess> {
  const { spec } = await readSpec(ctx);
  if (spec.hosts) return hostsAccess(spec);
  const platformSpec = await readPlatformSpec(ctx);
  return localAccess(platformSpec, readSecrets(layoutOf(platformSpec.local.stateDir)));
}
