// KEY=VALUE environment files, read by systemd (EnvironmentFile=) and gardenos's supervisor alike.
import { HOSTS_HEADER } from './paths.js';

/**
 * Values are written unquoted, so they must be plain: systemd and a shell would treat quotes, `$`,
 * `\` and spaces differently, and the supervisor reads the file the way systemd does. The generated
 * secrets (base64url) and file paths always are.
 */
const PLAIN_VALUE = /^[A-Za-z0-9_.,:/@+=-]*$/;

export function renderEnvFile(env: Readonly<Record<string, string>>): string {
  const lines = Object.entries(env).map(([key, value]) => {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) throw new Error(`renderEnvFile: "${key}" is not an environment variable name`);
    if (!PLAIN_VALUE.test(value))
      throw new Error(`renderEnvFile: the value of ${key} has characters an env file would need quoted`);
    return `${key}=${value}`;
  });
  return [`# ${HOSTS_HEADER}`, ...lines, ''].join('\n');
}

/** The inverse, as the supervisor reads it: `#` comments and blank lines skipped, the first `=` splits. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}
