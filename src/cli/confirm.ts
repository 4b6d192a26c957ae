// Confirmation for destructive commands: say what will change, then ask on a TTY or require --yes.
import { createInterface } from 'node:readline/promises';
import { GardenError } from '../errors.js';
import type { CommandContext } from './command.js';

/**
 * Writes the plan to stderr, then returns when the user agreed: `--yes`, or typing "yes" on a TTY.
 * Without a TTY and without --yes it throws CONFIRM_REQUIRED; nothing has been changed at that point.
 */
export async function confirmPlan(
  ctx: CommandContext,
  what: string,
  plan: string[],
  stdin: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Promise<void> {
  ctx.err.write(`${what} will:\n${plan.map((l) => `  - ${l}`).join('\n')}\n`);
  if (ctx.values.yes === true) return;
  if (!stdin.isTTY || !ctx.err.isTTY) {
    throw new GardenError(
      'CONFIRM_REQUIRED',
      `${what} changes state and needs confirmation, but this is not a terminal and --yes was not given. Nothing was changed.`,
      {
        hint: 'read the plan above and add --yes to go ahead',
      },
    );
  }
  const rl = createInterface({ input: stdin, output: ctx.err });
  try {
    const answer = await rl.question('Type "yes" to go ahead: ');
    if (answer.trim().toLowerCase() !== 'yes') {
      throw new GardenError('CONFIRM_REQUIRED', `${what} was not confirmed. Nothing was changed.`, {
        hint: 'run it again and type "yes", or pass --yes',
      });
    }
  } finally {
    rl.close();
  }
}
