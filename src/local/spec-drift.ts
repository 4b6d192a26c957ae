// Which spec changes matter to an existing local platform (the app-layer sections mostly do not).
import { loadSpec, type Spec } from '../spec/index.js';
import { specDifferences } from './state-dir.js';

/** The built-in spec's values, for keys an older stored spec lacks. */
const DEFAULTS = loadSpec('', { source: 'defaults', defaultStateDir: () => '/' });

/** Sections the local platform never reads: changing them needs no recreate. */
const KUBERNETES_ONLY = /^(k8s|routing)(\.|\[|$)/;

/**
 * The differences between the stored and the current spec that would make `up` unsafe. A state dir
 * written before the app layer existed has no supabase/services keys: that equals "off" and "none".
 */
export function relevantDifferences(stored: unknown, spec: Spec): string[] {
  const old = (stored ?? {}) as Record<string, unknown>;
  const oldPostgres = old.postgres as Record<string, unknown> | undefined;
  const oldLocal = old.local as Record<string, unknown> | undefined;
  const oldMonitoring = old.monitoring as Record<string, unknown> | undefined;
  const filled = {
    ...old,
    supabase: old.supabase ?? (spec.supabase.enabled ? undefined : spec.supabase),
    services: old.services ?? (spec.services.length === 0 ? spec.services : undefined),
    // From before the services had their own role and user: those are the defaults now.
    ...(oldPostgres && !('app' in oldPostgres) ? { postgres: { ...oldPostgres, app: DEFAULTS.postgres.app } } : {}),
    // From before the pooler: that platform runs none (turn pooler.enabled off to keep it, or recreate it).
    ...(old.pooler === undefined && Object.keys(old).length > 0 ? { pooler: { ...spec.pooler, enabled: false } } : {}),
    // From before monitoring: `up` adds it to the running platform (it holds no data of the platform's).
    // From before monitoring.alertmanager: that platform runs none.
    monitoring: oldMonitoring
      ? 'alertmanager' in oldMonitoring
        ? oldMonitoring
        : { ...oldMonitoring, alertmanager: { ...spec.monitoring.alertmanager, enabled: false } }
      : spec.monitoring,
    ...(oldLocal && !('serviceUser' in oldLocal)
      ? { local: { ...oldLocal, serviceUser: DEFAULTS.local.serviceUser } }
      : {}),
  };
  return specDifferences(filled, spec).filter((path) => !KUBERNETES_ONLY.test(path));
}
