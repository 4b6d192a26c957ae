// gardenos migrate --from URL
import { join } from 'node:path';
import { GardenError } from '../../errors.js';
import { checkBinaries, layoutOf, readSecrets } from '../../local/index.js';
import { migrate, parseSourceUrl } from '../../ops/migrate/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command } from '../command.js';
import { confirmPlan } from '../confirm.js';
import { progressReporter, table } from '../output.js';
import { readPlatformSpec } from '../spec-source.js';
import { sourcePassword } from '../password-source.js';

const command: Command = {
  name: 'migrate',
  summary: 'copy a PostgreSQL database into the platform and verify it',
  usage: `Usage: gardenos migrate --from URL [--force] [--yes] [--json] [options]

Dumps the source database (pg_dump, in one exported snapshot), restores it into a database of the
same name on the primary (created if missing), then compares exact row counts per table and every
sequence's value, and prints the report. Refuses to write into target tables that hold rows unless
--force (which drops and replaces the objects the dump contains). The source is only read.
The source's password never goes on a command line (every local user can read those): it comes from
--password-file FILE (mode 0600), else PGPASSWORD, else a prompt on a terminal; it reaches pg_dump in
its environment and is never printed. A URL with a password in it is refused.

${PLATFORM_USAGE}
      --from URL        postgresql://USER@HOST:PORT/DATABASE (no password in it)
      --password-file FILE  the source's password, one line, mode 0600
      --force           replace objects in a non-empty target
      --yes             do not ask for confirmation
      --json            machine-readable report`,
  options: {
    ...PLATFORM_OPTIONS,
    from: { type: 'string' },
    'password-file': { type: 'string' },
    force: { type: 'boolean' },
    yes: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(ctx) {
    const from = ctx.values.from as string | undefined;
    if (!from)
      throw new GardenError('USAGE', 'gardenos migrate needs --from URL.', {
        hint: 'for example PGPASSWORD=... gardenos migrate --from postgresql://app@10.0.0.5:5432/app',
      });
    parseSourceUrl(from); // refuses a bad URL (or one with a password) before asking for anything
    const spec = await readPlatformSpec(ctx, 'migrate');
    const source = parseSourceUrl(from, await sourcePassword(ctx, from));
    const layout = layoutOf(spec.local.stateDir);
    const reporter = progressReporter(ctx.err, ctx.env);
    let done: ((r?: string) => void) | undefined;
    const report = await migrate({
      spec,
      secrets: readSecrets(layout),
      pgBinDir: checkBinaries(spec.postgres.version).pgBinDir,
      source,
      force: ctx.values.force === true,
      workDir: join(layout.root, 'backups', 'migrate'),
      confirm: async (plan) => {
        done?.();
        done = undefined;
        await confirmPlan(ctx, 'gardenos migrate', plan);
      },
      onStep: (s) => {
        done?.();
        done = reporter.step(s);
      },
    });
    done?.();
    if (ctx.values.json) {
      ctx.out.write(JSON.stringify(report, null, 2) + '\n');
      return 0;
    }
    const { comparison: c } = report;
    ctx.out.write(
      [
        `migrated ${report.source} -> ${report.target} in ${(report.elapsedMs / 1000).toFixed(1)} s${report.createdDatabase ? ` (created database ${report.database})` : ''}`,
        table([
          ['TABLE', 'SOURCE ROWS', 'TARGET ROWS', ''],
          ...c.tables.map((t) => [t.name, String(t.source), String(t.target), t.ok ? 'ok' : 'DIFFERS']),
        ]),
        ...(c.sequences.length > 0
          ? [
              table([
                ['SEQUENCE', 'SOURCE', 'TARGET', ''],
                ...c.sequences.map((s) => [
                  s.name,
                  s.source ?? '(unused)',
                  s.target ?? '(unused)',
                  s.ok ? 'ok' : 'DIFFERS',
                ]),
              ]),
            ]
          : []),
        `verified: ${c.tables.length} tables, ${c.sequences.length} sequences match`,
      ].join('\n') + '\n',
    );
    return 0;
  },
};

export default command;
