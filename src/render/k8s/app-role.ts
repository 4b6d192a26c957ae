// The services' own role and database on Kubernetes: a Job creates them (psql, the same SQL local `up`
// runs), and the services' Secret carries that role's URL, never the superuser's.
import type { Spec } from '../../spec/index.js';
import { APP_PASSWORD_ENV, psqlAppRoleScript } from '../app-role-sql.js';
import { namesOf, secretEnv, type K8sObject } from './meta.js';
import { renderPsqlJob } from './psql-job.js';

/** The key of the app Secret (namesOf().appDbSecret) that holds the role's password. */
export const APP_PASSWORD_KEY = 'password';

export function renderAppRoleJob(spec: Spec): K8sObject[] {
  if (spec.services.length === 0) return [];
  const n = namesOf(spec);
  return renderPsqlJob(spec, {
    name: n.appBootstrap,
    component: 'app-role',
    container: 'app-role',
    mountPath: '/app-role',
    file: 'app-role.sql',
    script: psqlAppRoleScript(spec),
    env: [secretEnv(APP_PASSWORD_ENV, n.appDbSecret, APP_PASSWORD_KEY)],
  });
}
