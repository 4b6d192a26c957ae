// A one-shot psql Job as the superuser on the primary Service, running one SQL script from a ConfigMap:
// the Supabase bootstrap and the services' role. Passwords reach psql through its Secret-backed
// environment (the script reads its own with \getenv): none on its command line, none in the SQL text.
import type { Spec } from '../../spec/index.js';
import { labelsOf, metadata, namesOf, PG_PORT, secretEnv, type K8sObject } from './meta.js';
import { containerSecurityContext, imageProfiles, podSecurityContext } from './image-profiles.js';
import { containerResources } from './resources.js';

export interface PsqlJob {
  /** ConfigMap and Job name. */
  name: string;
  /** The component label, e.g. supabase-bootstrap. */
  component: string;
  container: string;
  /** Where the script is mounted, and its file name there. */
  mountPath: string;
  file: string;
  script: string;
  /** The script's own secrets, besides the superuser's PGPASSWORD. */
  env: ReturnType<typeof secretEnv>[];
}

export function renderPsqlJob(spec: Spec, job: PsqlJob): K8sObject[] {
  const n = namesOf(spec);
  // psql only: nothing written, the bootstrap image profile's user and limits.
  const profile = imageProfiles(spec).bootstrap;
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata(spec, job.name, job.component),
      data: { [job.file]: job.script },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: metadata(spec, job.name, job.component),
      spec: {
        backoffLimit: 10,
        template: {
          metadata: { labels: labelsOf(spec, job.component) },
          spec: {
            restartPolicy: 'OnFailure',
            securityContext: podSecurityContext(profile),
            containers: [
              {
                name: job.container,
                image: spec.k8s.images.psql,
                command: ['psql', '-f', `${job.mountPath}/${job.file}`],
                env: [
                  { name: 'PGHOST', value: n.primary },
                  { name: 'PGPORT', value: String(PG_PORT) },
                  { name: 'PGDATABASE', value: 'postgres' },
                  { name: 'PGUSER', value: spec.postgres.superuser },
                  secretEnv('PGPASSWORD', n.postgresSecret, 'superuser-password'),
                  ...job.env,
                ],
                resources: containerResources(spec, 'bootstrap'),
                securityContext: containerSecurityContext(profile),
                volumeMounts: [{ name: 'sql', mountPath: job.mountPath, readOnly: true }],
              },
            ],
            volumes: [{ name: 'sql', configMap: { name: job.name } }],
          },
        },
      },
    },
  ];
}
