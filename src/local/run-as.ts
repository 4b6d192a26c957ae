// Which OS user each local component runs as. As an ordinary user, everything runs as that user (it
// cannot switch). As root, nothing keeps root: PostgreSQL and Patroni run as `postgres`, etcd, HAProxy
// and the router as the `gardenos` system user, the services as `local.serviceUser` (gardenos-app). A
// uid change from root drops every capability, so none of them holds one. The services' user is not the
// infrastructure's, so a service cannot read the etcd keys that would let it write to the DCS.
import { GardenError } from '../errors.js';
import { isRoot, lookupUser, postgresRunAs, type OsUser } from '../runtime/os-user.js';
import type { Spec } from '../spec/index.js';

/** The system user etcd, HAProxy and the router run as when gardenos is root. */
export const INFRA_USER = 'gardenos';
/** The default of local.serviceUser. */
export const DEFAULT_SERVICE_USER = 'gardenos-app';

/** Users `gardenos setup` creates when it runs as root (system users, no login, no home). */
export const SYSTEM_USERS = [INFRA_USER, DEFAULT_SERVICE_USER] as const;

export interface RunAs {
  postgres: OsUser;
  infra: OsUser;
  service: OsUser;
}

/** undefined: gardenos is not root, and every component runs as the invoking user. */
export function localRunAs(spec: Spec, passwd = '/etc/passwd', root = isRoot()): RunAs | undefined {
  if (!root) return undefined;
  const postgres = postgresRunAs(passwd, root)!;
  const infra = systemUser(INFRA_USER, 'etcd, HAProxy and the router', passwd);
  // A spec stored before local.serviceUser existed has none: the default.
  const service = systemUser(spec.local.serviceUser ?? DEFAULT_SERVICE_USER, 'the services', passwd);
  if (service.uid === 0) {
    throw new GardenError(
      'SPEC_INVALID',
      `local.serviceUser ${service.name} has uid 0: the services would run as root.`,
      {
        hint: 'choose an unprivileged user (the default gardenos-app, which `gardenos setup` creates)',
      },
    );
  }
  if (service.uid === infra.uid || service.uid === postgres.uid) {
    throw new GardenError(
      'SPEC_INVALID',
      `local.serviceUser ${service.name} is the user ${service.uid === infra.uid ? 'etcd and the router' : 'PostgreSQL'} run as: a service could read their keys.`,
      { hint: 'choose a user of its own for the services (the default gardenos-app, which `gardenos setup` creates)' },
    );
  }
  return { postgres, infra, service };
}

function systemUser(name: string, who: string, passwd: string): OsUser {
  const user = lookupUser(name, passwd);
  if (user) return user;
  throw new GardenError(
    'NOT_ROOT',
    `gardenos runs as root and starts ${who} as the user \`${name}\`, which does not exist on this machine.`,
    {
      hint: `run \`gardenos setup\` (it creates ${SYSTEM_USERS.join(' and ')}), or: useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ${name}`,
    },
  );
}
