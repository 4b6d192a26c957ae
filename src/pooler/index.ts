// PgBouncer, the pooled primary endpoint: its admin console, and the pause around planned switchovers.
export { PoolerAdmin, PoolerAdminError, type AdminRow, type PoolerAdminAt } from './admin-console.js';
export { PgbouncerControl, withPoolerPaused, type PauseOutcome, type PoolerControl } from './pause.js';
export { memberOfRow, type PoolerMember } from './routes.js';
export {
  ensurePoolerAuth,
  readPoolerAuth,
  type DatabaseSession,
  type PoolerAuthState,
  type PrimarySession,
} from './auth.js';
