// Where a password for another system comes from, never the command line: a 0600 file, the
// environment (PGPASSWORD, as libpq reads it), or a prompt on a terminal that does not echo it.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { GardenError } from '../errors.js';
import { fromSystemError } from '../os-errors.js';
import type { CommandContext } from './command.js';

export interface PasswordInput {
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
}

/** --password-file, else PGPASSWORD, else a prompt on a terminal; '' when none (libpq may still use ~/.pgpass). */
export async function sourcePassword(
  ctx: CommandContext,
  what: string,
  { stdin = process.stdin }: PasswordInput = {},
): Promise<string> {
  const file = ctx.values['password-file'] as string | undefined;
  if (file !== undefined) return readPasswordFile(resolve(ctx.cwd, file));
  if (ctx.env.PGPASSWORD !== undefined) return ctx.env.PGPASSWORD;
  if (!stdin.isTTY || !ctx.err.isTTY || !stdin.setRawMode) return '';
  return promptHidden(ctx.err, stdin as NodeJS.ReadStream, `Password for ${what} (empty for none): `);
}

function readPasswordFile(path: string): string {
  let text: string;
  try {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) {
      throw new GardenError(
        'USAGE',
        `--password-file ${path} has mode ${mode.toString(8).padStart(4, '0')}: others can read the password in it.`,
        {
          hint: `chmod 600 ${path}, and change that password if others may have read it`,
        },
      );
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fromSystemError(err) ?? err;
  }
  // One line: a trailing newline is the editor's, not the password's.
  return text.replace(/\r?\n$/, '');
}

async function promptHidden(out: NodeJS.WritableStream, stdin: NodeJS.ReadStream, question: string): Promise<string> {
  out.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolvePassword, reject) => {
      let typed = '';
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData);
            out.write('\n');
            resolvePassword(typed);
            return;
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            out.write('\n');
            reject(
              new GardenError('CONFIRM_REQUIRED', 'No password was given (Ctrl-C). Nothing was changed.', {
                hint: 'run it again, or give the password in PGPASSWORD or --password-file',
              }),
            );
            return;
          }
          if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
          else typed += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}
