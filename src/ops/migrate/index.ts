// Data migration into the platform: dump, restore, verify.
export { migrate, type MigrateOptions, type MigrateReport } from './migrate.js';
export { parseSourceUrl, maskedUrl, type PgEndpoint } from './source-url.js';
export { compareInventories, nonEmptyTargets, type Inventory, type Comparison } from './inventory.js';
