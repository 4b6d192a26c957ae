// PgBouncer, the pooled primary endpoint: its admin console, and the pause around planned switchovers.
export { PoolerAdmin, PoolerAdminError, type AdminRow, type PoolerAdminAt } from './admin-console.js';
export { PgbouncerControl, withPoolerPaused, type PoolerControl, type PoolerMember } from './pause.js';
