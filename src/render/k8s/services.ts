// The user's services: a Deployment and a Service each, DATABASE_URL / DATABASE_READ_URL from a Secret.
import { GardenError } from '../../errors.js';
import type { ServiceSettings, Spec } from '../../spec/index.js';
import { labelsOf, literalEnv, metadata, namesOf, secretEnv, selectorOf, type K8sObject } from './meta.js';
import {
  containerSecurityContext,
  imageProfiles,
  podSecurityContext,
  writableMounts,
  writableVolumes,
} from './image-profiles.js';
import { containerResources } from './resources.js';

export function renderService(spec: Spec, svc: ServiceSettings, index: number): K8sObject[] {
  if (!svc.image) {
    throw new GardenError(
      'RENDER_INPUT',
      `services[${index}] (${svc.name}) has no image, so it cannot run on Kubernetes.`,
      {
        hint: `add image: <registry>/${svc.name}:<version> to the service in gardenos.yaml`,
      },
    );
  }
  const n = namesOf(spec);
  const profile = imageProfiles(spec).service;
  const component = `service-${svc.name}`;
  const env = [
    ...(svc.needs.includes('primary') ? [secretEnv('DATABASE_URL', n.appDbSecret, 'database-url')] : []),
    ...(svc.needs.includes('replicas') ? [secretEnv('DATABASE_READ_URL', n.appDbSecret, 'database-read-url')] : []),
    { name: 'PORT', value: String(svc.port) },
    ...literalEnv(svc.env),
  ];
  const probe = (period: number, failures: number) => ({
    httpGet: { path: svc.healthPath, port: svc.port },
    periodSeconds: period,
    failureThreshold: failures,
  });
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadata(spec, svc.name, component),
      spec: {
        replicas: svc.replicas,
        selector: { matchLabels: selectorOf(spec, component) },
        template: {
          metadata: { labels: labelsOf(spec, component) },
          spec: {
            securityContext: podSecurityContext(profile),
            containers: [
              {
                name: svc.name,
                image: svc.image,
                env,
                ports: [{ name: 'http', containerPort: svc.port }],
                readinessProbe: probe(5, 3),
                livenessProbe: { ...probe(10, 6), initialDelaySeconds: 10 },
                resources: containerResources(spec, 'service'),
                securityContext: containerSecurityContext(profile),
                volumeMounts: writableMounts(profile),
              },
            ],
            volumes: writableVolumes(profile),
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(spec, svc.name, component),
      spec: {
        type: 'ClusterIP',
        selector: selectorOf(spec, component),
        ports: [{ name: 'http', port: svc.port, targetPort: svc.port }],
      },
    },
  ];
}
