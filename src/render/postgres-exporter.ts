// The PostgreSQL exporter (prometheus-postgres-exporter) on every target: its login role (pg_monitor's
// reads, peer auth only), its flags and its DSN over a server's Unix socket (its queries: postgres-exporter-queries.ts).
// No yaml or zod here: `gardenos status` loads this module (through the local components) and neither package.
import { ROLE_NAMES } from '../spec/roles.js';

/** Creates or repairs the role; run on the primary (it replicates to every node). */
export const MONITOR_ROLE_SQL = `DO $gardenos$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ROLE_NAMES.monitor}') THEN
    CREATE ROLE ${ROLE_NAMES.monitor} LOGIN;
  END IF;
  ALTER ROLE ${ROLE_NAMES.monitor} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD NULL;
  GRANT pg_monitor TO ${ROLE_NAMES.monitor};
  COMMENT ON ROLE ${ROLE_NAMES.monitor} IS 'gardenos: prometheus-postgres-exporter';
END
$gardenos$;`;

/** prometheus-postgres-exporter's flags, the same on every target: only what gardenos's rules read. */
export function postgresExporterArgs(listen: string, queriesFile: string): string[] {
  return [
    `--web.listen-address=${listen}`,
    `--extend.query-path=${queriesFile}`,
    '--disable-settings-metrics',
    // 0.11's collector package reports pg_scrape_collector_* once per DSN under the same labels, and
    // the registry then fails every scrape (HTTP 500) with more than one node; nothing here reads them.
    '--no-collector.database',
    '--no-collector.bgwriter',
    '--log.level=warn',
  ];
}

/** The exporter's DSN for one server: its Unix socket, by peer auth as gardenos_monitor (no password). */
export function monitorDsn(socketDir: string, port: number): string {
  return `host=${socketDir} port=${port} user=${ROLE_NAMES.monitor} dbname=postgres sslmode=disable`;
}
