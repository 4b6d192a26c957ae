// Supabase on plain PostgreSQL: the DB bootstrap, API keys (HS256 JWTs) and the secrets behind them.
export {
  BOOTSTRAP_PASSWORD_ENV,
  BOOTSTRAP_SQL,
  LOGIN_ROLES,
  applyBootstrap,
  psqlBootstrapScript,
  passwordSetting,
  type BootstrapPasswords,
  type LoginRole,
  type Queryable,
} from './bootstrap-sql.js';
export { signApiKey, verifyApiKey, MIN_JWT_SECRET_LENGTH, API_KEY_LIFETIME_SECONDS, type ApiRole } from './api-keys.js';
export { generateSupabaseSecrets, assertSupabaseSecrets, type SupabaseSecrets } from './secrets.js';
