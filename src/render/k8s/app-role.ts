// The services' own role and database on Kubernetes: a Job creates them (psql, the same SQL local `up`
// runs), and the services' Secret carries that role's URL, never the superuser's.
import type { Spec } from '../../spec/index.js';
import { APP_PASSWORD_ENV, psqlAppRoleScript } from '../app-role-sql.js';
import { labelsOf, metadata, namesOf, PG_PORT, secretEnv, type K8sObject } from './meta.js';
import { containerSecurityContext, imageProfiles, podSecurityContext } from './image-profiles.js';
import { containerResources } from './resources.js';

/** The key of the app Secret (namesOf().appDbSecret) that holds the role's password. */
export const APP_PASSWORD_KEY = 'password';

export function renderAppRoleJob(spec: Spec): K8sObject[] {
  if (spec.services.length === 0) return [];
  const n = namesOf(spec);
  // The same image, user and limits as the Supabase bootstrap: psql, nothing written.
  const profile = imageProfiles(spec).bootstrap;
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata(spec, n.appBootstrap, 'app-role'),
      data: { 'app-role.sql': psqlAppRoleScript(spec) },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: metadata(spec, n.appBootstrap, 'app-role'),
      spec: {
        backoffLimit: 10,
        template: {
          metadata: { labels: labelsOf(spec, 'app-role') },
          spec: {
            restartPolicy: 'OnFailure',
            securityContext: podSecurityContext(profile),
            containers: [
              {
                name: 'app-role',
                image: spec.k8s.images.psql,
                // psql reads both passwords from its Secret-backed environment: none on its command line.
                command: ['psql', '-f', '/app-role/app-role.sql'],
                env: [
                  { name: 'PGHOST', value: n.primary },
                  { name: 'PGPORT', value: String(PG_PORT) },
                  { name: 'PGDATABASE', value: 'postgres' },
                  { name: 'PGUSER', value: spec.postgres.superuser },
                  secretEnv('PGPASSWORD', n.postgresSecret, 'superuser-password'),
                  secretEnv(APP_PASSWORD_ENV, n.appDbSecret, APP_PASSWORD_KEY),
                ],
                resources: containerResources(spec, 'bootstrap'),
                securityContext: containerSecurityContext(profile),
                volumeMounts: [{ name: 'sql', mountPath: '/app-role', readOnly: true }],
              },
            ],
            volumes: [{ name: 'sql', configMap: { name: n.appBootstrap } }],
          },
        },
      },
    },
  ];
}
