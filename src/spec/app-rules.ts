// Cross-field rules of the app layer: service names, ports, needs, routes, and the k8s pod network.
import type { Spec } from './resolve.js';
import { isValidCidr, type SpecProblem } from './rules.js';

/** Names gardenos itself uses for Kubernetes objects and local components. */
const RESERVED_NAMES = new Set([
  'auth',
  'rest',
  'storage',
  'router',
  'postgres',
  'primary',
  'replicas',
  'headless',
  'bootstrap',
  'etcd',
  'patroni',
  'haproxy',
]);
/** Injected by gardenos; a service must not set them itself. */
const INJECTED_ENV = new Set(['DATABASE_URL', 'DATABASE_READ_URL', 'PORT']);
const SECRET_LIKE = /password|secret|token|apikey|api_key|private_key/i;
export const SUPABASE_PREFIXES = { auth: '/auth/v1', rest: '/rest/v1', storage: '/storage/v1' } as const;

export function checkAppRules(spec: Spec): SpecProblem[] {
  return [...serviceRules(spec), ...routeRules(spec), ...k8sRules(spec)];
}

function serviceRules(spec: Spec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const seen = new Map<string, number>();
  spec.services.forEach((s, i) => {
    const at = (...rest: (string | number)[]) => ['services', i, ...rest];
    const first = seen.get(s.name);
    if (first !== undefined) {
      problems.push({
        path: at('name'),
        message: `service name "${s.name}" is used twice (also at index ${first})`,
        hint: 'give every service a unique name',
      });
    } else seen.set(s.name, i);
    if (RESERVED_NAMES.has(s.name)) {
      problems.push({
        path: at('name'),
        message: `"${s.name}" is a name gardenos uses for its own components`,
        hint: `rename the service, e.g. "${s.name}-api"`,
      });
    }
    if (!s.image && !s.command) {
      problems.push({
        path: at(),
        message: `service "${s.name}" has neither an image (Kubernetes) nor a command (local)`,
        hint: 'add image: for Kubernetes and/or command: [...] to run it locally',
      });
    }
    if (s.cwd !== undefined && !s.cwd.startsWith('/')) {
      problems.push({
        path: at('cwd'),
        message: `"${s.cwd}" is a relative path; the supervisor starts services from the state dir`,
        hint: 'write an absolute path',
      });
    }
    if (new Set(s.needs).size !== s.needs.length) {
      problems.push({
        path: at('needs'),
        message: 'lists the same endpoint twice',
        hint: 'use [primary], [replicas] or [primary, replicas]',
      });
    }
    for (const key of Object.keys(s.env)) {
      if (INJECTED_ENV.has(key)) {
        problems.push({
          path: at('env', key),
          message: `${key} is set by gardenos from the service's needs`,
          hint: `remove env.${key}`,
        });
      } else if (SECRET_LIKE.test(key)) {
        problems.push({
          path: at('env', key),
          message: `${key} looks like a secret, and env values are stored and rendered in plain text`,
          hint: 'keep secrets out of gardenos.yaml; mount them from a Kubernetes Secret you manage',
        });
      }
    }
  });
  return problems;
}

function routeRules(spec: Spec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const owners = new Map<string, string>();
  if (spec.supabase.enabled) for (const s of spec.supabase.services) owners.set(SUPABASE_PREFIXES[s], `Supabase ${s}`);
  spec.services.forEach((s, i) =>
    s.routes.forEach((route, j) => {
      const prefix = route.replace(/\/+$/, '') || '/';
      const other = owners.get(prefix);
      if (other) {
        problems.push({
          path: ['services', i, 'routes', j],
          message: `route ${prefix} is already routed to ${other}`,
          hint: 'give each route prefix one owner',
        });
      } else owners.set(prefix, `service ${s.name}`);
    }),
  );
  if (new Set(spec.supabase.services).size !== spec.supabase.services.length) {
    problems.push({
      path: ['supabase', 'services'],
      message: 'lists a Supabase service twice',
      hint: 'list each of auth, rest, storage at most once',
    });
  }
  if (spec.routing.httpPort === spec.routing.httpsPort) {
    problems.push({
      path: ['routing', 'httpsPort'],
      alsoAt: ['routing', 'httpPort'],
      message: 'the HTTP and HTTPS listeners use the same port',
      hint: 'use two ports (Traefik: 8000 and 8443)',
    });
  }
  return problems;
}

function k8sRules(spec: Spec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (!isValidCidr(spec.k8s.podCidr)) {
    problems.push({
      path: ['k8s', 'podCidr'],
      message: `"${spec.k8s.podCidr}" is not an IPv4 CIDR`,
      hint: 'write the cluster pod CIDR, e.g. 10.42.0.0/16 (K3s default)',
    });
  }
  if (new Set(spec.k8s.etcdEndpoints).size !== spec.k8s.etcdEndpoints.length) {
    problems.push({
      path: ['k8s', 'etcdEndpoints'],
      message: 'lists an etcd endpoint twice',
      hint: 'list each etcd member once',
    });
  }
  return problems;
}
