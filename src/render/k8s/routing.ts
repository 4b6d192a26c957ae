// Routing: Gateway API (Gateway + HTTPRoutes, the default) or networking.k8s.io/v1 Ingress with a class.
import { SUPABASE_PREFIXES, type Spec } from '../../spec/index.js';
import { metadata, namesOf, type K8sObject } from './meta.js';
import { SUPABASE_PORTS } from './supabase.js';

interface Backend {
  /** Object name suffix and Service name. */
  name: string;
  service: string;
  port: number;
  prefixes: string[];
  /** Supabase services expect the prefix stripped: /rest/v1/todos reaches PostgREST as /todos. */
  strip: boolean;
  /** Storage builds its public URLs from X-Forwarded-Prefix and takes uploads up to 50 MB. */
  storage: boolean;
}

function backendsOf(spec: Spec): Backend[] {
  const n = namesOf(spec);
  const supabase: Backend[] = spec.supabase.enabled
    ? spec.supabase.services.map((s) => ({
        name: s,
        service: n.supabase(s),
        port: SUPABASE_PORTS[s],
        prefixes: [SUPABASE_PREFIXES[s]],
        strip: true,
        storage: s === 'storage',
      }))
    : [];
  const services: Backend[] = spec.services
    .filter((s) => s.routes.length > 0 && s.image)
    .map((s) => ({
      name: s.name,
      service: s.name,
      port: s.port,
      prefixes: s.routes.map((r) => r.replace(/\/+$/, '') || '/'),
      strip: false,
      storage: false,
    }));
  return [...supabase, ...services];
}

export function renderRouting(spec: Spec): K8sObject[] {
  const backends = backendsOf(spec);
  if (backends.length === 0) return [];
  return spec.routing.mode === 'ingress' ? renderIngresses(spec, backends) : renderGateway(spec, backends);
}

function renderGateway(spec: Spec, backends: Backend[]): K8sObject[] {
  const r = spec.routing;
  const n = namesOf(spec);
  const listeners: unknown[] = [
    {
      name: 'http',
      protocol: 'HTTP',
      port: r.httpPort,
      hostname: r.host,
      allowedRoutes: { namespaces: { from: 'Same' } },
    },
  ];
  if (r.tlsSecret) {
    listeners.push({
      name: 'https',
      protocol: 'HTTPS',
      port: r.httpsPort,
      hostname: r.host,
      allowedRoutes: { namespaces: { from: 'Same' } },
      tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: r.tlsSecret }] },
    });
  }
  const gateway: K8sObject = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: metadata(spec, n.gateway, 'routing'),
    spec: { gatewayClassName: r.gatewayClass, listeners },
  };
  const routes = backends.map((b): K8sObject => {
    const filters: unknown[] = [];
    if (b.strip)
      filters.push({
        type: 'URLRewrite',
        urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } },
      });
    if (b.storage)
      filters.push({
        type: 'RequestHeaderModifier',
        requestHeaderModifier: { set: [{ name: 'X-Forwarded-Prefix', value: SUPABASE_PREFIXES.storage }] },
      });
    return {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: metadata(spec, `${spec.name}-${b.name}`, 'routing'),
      spec: {
        parentRefs: [{ name: n.gateway }],
        hostnames: [r.host],
        rules: [
          {
            matches: b.prefixes.map((p) => ({ path: { type: 'PathPrefix', value: p } })),
            ...(filters.length > 0 ? { filters } : {}),
            backendRefs: [{ name: b.service, port: b.port }],
          },
        ],
      },
    };
  });
  return [gateway, ...routes];
}

/**
 * Ingress: prefix stripping is controller-specific; these are ingress-nginx annotations (the journal's
 * layout). rewrite-target applies to a whole Ingress, so each stripped backend gets its own.
 */
function renderIngresses(spec: Spec, backends: Backend[]): K8sObject[] {
  const r = spec.routing;
  const tls = r.tlsSecret ? { tls: [{ hosts: [r.host], secretName: r.tlsSecret }] } : {};
  const ingress = (name: string, annotations: Record<string, string> | undefined, paths: unknown[]): K8sObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: metadata(spec, `${spec.name}-${name}`, 'routing', annotations),
    spec: { ingressClassName: r.ingressClass, ...tls, rules: [{ host: r.host, http: { paths } }] },
  });
  const backend = (b: Backend) => ({ service: { name: b.service, port: { number: b.port } } });
  const out: K8sObject[] = backends
    .filter((b) => b.strip)
    .map((b) =>
      ingress(
        b.name,
        {
          'nginx.ingress.kubernetes.io/rewrite-target': '/$2',
          'nginx.ingress.kubernetes.io/use-regex': 'true',
          ...(b.storage
            ? {
                'nginx.ingress.kubernetes.io/proxy-body-size': '50m',
                'nginx.ingress.kubernetes.io/x-forwarded-prefix': SUPABASE_PREFIXES.storage,
              }
            : {}),
        },
        b.prefixes.map((p) => ({ path: `${p}(/|$)(.*)`, pathType: 'ImplementationSpecific', backend: backend(b) })),
      ),
    );
  const plain = backends.filter((b) => !b.strip);
  if (plain.length > 0) {
    out.push(
      ingress(
        'services',
        undefined,
        plain.flatMap((b) => b.prefixes.map((p) => ({ path: p, pathType: 'Prefix', backend: backend(b) }))),
      ),
    );
  }
  return out;
}
