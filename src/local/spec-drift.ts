// Which spec changes matter to an existing local platform (the app-layer sections mostly do not).
import type { Spec } from '../spec/index.js';
import { specDifferences } from './state-dir.js';

/** Sections the local platform never reads: changing them needs no recreate. */
const KUBERNETES_ONLY = /^(k8s|routing)(\.|\[|$)/;

/**
 * The differences between the stored and the current spec that would make `up` unsafe. A state dir
 * written before the app layer existed has no supabase/services keys: that equals "off" and "none".
 */
export function relevantDifferences(stored: unknown, spec: Spec): string[] {
  const old = (stored ?? {}) as Record<string, unknown>;
  const filled = {
    ...old,
    supabase: old.supabase ?? (spec.supabase.enabled ? undefined : spec.supabase),
    services: old.services ?? (spec.services.length === 0 ? spec.services : undefined),
  };
  return specDifferences(filled, spec).filter((path) => !KUBERNETES_ONLY.test(path));
}
