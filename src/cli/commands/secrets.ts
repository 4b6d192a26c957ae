// gardenos secrets
import { layoutOf, readSecrets, readSupabaseSecrets } from '../../local/index.js';
import { ROLE_NAMES } from '../../render/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command } from '../command.js';
import { table } from '../output.js';
import { readPlatformSpec } from '../spec-source.js';

const command: Command = {
  name: 'secrets',
  summary: 'show where the generated passwords are',
  usage: `Usage: gardenos secrets [--show] [options]

Lists the generated credentials of the platform, masked. --show prints the passwords.

${PLATFORM_USAGE}
      --show            print the passwords themselves`,
  options: { ...PLATFORM_OPTIONS, show: { type: 'boolean' } },
  async run(ctx) {
    const spec = readPlatformSpec(ctx);
    const layout = layoutOf(spec.local.stateDir);
    const s = readSecrets(layout);
    const v = (x: string) => (ctx.values.show ? x : '********');
    ctx.out.write(
      table([
        ['USER', 'PURPOSE', 'PASSWORD'],
        [spec.postgres.superuser, 'PostgreSQL superuser', v(s.superuserPassword)],
        [ROLE_NAMES.replication, 'streaming replication', v(s.replicationPassword)],
        [ROLE_NAMES.rewind, 'pg_rewind', v(s.rewindPassword)],
        [ROLE_NAMES.restapi, 'Patroni REST API (unsafe endpoints)', v(s.restapiPassword)],
        ...supabaseRows(readSupabaseSecrets(layout), v),
      ]) +
        `\n\nStored with mode 0600 in ${layout.secretsFile}.${ctx.values.show ? '' : ' Use --show to print them.'}\n`,
    );
    return 0;
  },
};

function supabaseRows(sb: ReturnType<typeof readSupabaseSecrets>, v: (x: string) => string): string[][] {
  if (!sb) return [];
  return [
    ['-', 'Supabase JWT secret', v(sb.jwtSecret)],
    ['anon', 'Supabase anon key (JWT)', v(sb.anonKey)],
    ['service_role', 'Supabase service_role key (JWT)', v(sb.serviceRoleKey)],
    ...Object.entries(sb.passwords).map(([role, pw]) => [role, 'Supabase login role', v(pw)]),
  ];
}

export default command;
