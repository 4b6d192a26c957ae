// Which OS user each local component runs as. As an ordinary user, everything runs as that user (it
// cannot switch). As root, nothing that listens on the network keeps root: PostgreSQL and Patroni run
// as `postgres`, etcd, HAProxy and the router as the `gardenos` system user, the services as
// `local.serviceUser` (gardenos-app), the dashboard's web side as `gardenos-dashboard` (its collector,
// which holds the secrets and listens on nothing, stays root). A uid change from root drops every
// capability, so none of them holds one. The services' user is not the infrastructure's, so a service
// cannot read the etcd keys that would let it write to the DCS.
import { GardenError } from '../errors.js';
import { isRoot, lookupUser, postgresRunAs, type OsUser } from '../runtime/os-user.js';
import type { Spec } from '../spec/index.js';

/** The system user etcd, HAProxy and the router run as when gardenos is root. */
export const INFRA_USER = 'gardenos';
/** The default of local.serviceUser. */
export const DEFAULT_SERVICE_USER = 'gardenos-app';

/** The user the dashboard's web side (the HTTP server, the token check) runs as when gardenos is root. */
export const DASHBOARD_USER = 'gardenos-dashboard';

/** Users `gardenos setup` creates when it runs as root (system users, no login, no home). */
export const SYSTEM_USERS = [INFRA_USER, DEFAULT_SERVICE_USER, DASHBOARD_USER] as const;

export interface RunAs {
  postgres: OsUser;
  infra: OsUser;
  service: OsUser;
  /** Only with monitoring on, which is when `up` starts the dashboard. */
  dashboard?: OsUser;
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
  if (!spec.monitoring.enabled) return { postgres, infra, service };
  const dashboard = dashboardWebUser(passwd, true)!;
  if ([postgres, infra, service].some((u) => u.uid === dashboard.uid)) {
    throw new GardenError(
      'NOT_ROOT',
      `The user ${DASHBOARD_USER} has the uid of a component's user (${dashboard.uid}): the dashboard's web server could read that component's keys.`,
      {
        hint: `give ${DASHBOARD_USER} a uid of its own (\`userdel ${DASHBOARD_USER} && gardenos setup\` makes a system user)`,
      },
    );
  }
  return { postgres, infra, service, dashboard };
}

/** undefined: gardenos is not root, and the dashboard serves from its own process. */
export function dashboardWebUser(passwd = '/etc/passwd', root = isRoot()): OsUser | undefined {
  if (!root) return undefined;
  const user = systemUser(DASHBOARD_USER, "the dashboard's web server", passwd);
  if (user.uid === 0) {
    throw new GardenError(
      'NOT_ROOT',
      `The user ${DASHBOARD_USER} has uid 0: the dashboard's web server would run as root.`,
      {
        hint: `give ${DASHBOARD_USER} a uid of its own (\`userdel ${DASHBOARD_USER} && gardenos setup\` makes a system user)`,
      },
    );
  }
  return user;
}

function systemUser(name: string, who: string, passwd: string): OsUser {
  const user = lookupUser(name, passwd);
  if (user) return user;
  throw new GardenError(
    'NOT_ROOT',
    `gardenos runs as root and starts ${who} as the user \`${name}\`, which does not exist on this machine.`,
    {
      hint: `run \`gardenos setup\` (it creates ${SYSTEM_USERS.join(', ')}), or: useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ${name}`,
    },
  );
}
