import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { CommandContext } from './command.js';
import { confirmPlan } from './confirm.js';

function ctx(values: CommandContext['values'], tty: boolean): CommandContext & { text: () => string } {
  const err = Object.assign(new PassThrough(), { isTTY: tty });
  let text = '';
  err.on('data', (d: Buffer) => (text += d.toString()));
  return { values, positionals: [], passthrough: [], out: new PassThrough(), err, env: {}, cwd: '/', text: () => text };
}

test('the plan is always printed; --yes goes ahead without asking', async () => {
  const c = ctx({ yes: true }, false);
  await confirmPlan(c, 'gardenos x', ['delete a', 'delete b'], Object.assign(new PassThrough(), { isTTY: false }));
  assert.equal(c.text(), 'gardenos x will:\n  - delete a\n  - delete b\n');
});

test('without a TTY and without --yes nothing happens (CONFIRM_REQUIRED, exit 2)', async () => {
  await assert.rejects(
    confirmPlan(ctx({}, false), 'gardenos x', ['delete a'], Object.assign(new PassThrough(), { isTTY: false })),
    (e: { code: string; exitCode: number }) => e.code === 'CONFIRM_REQUIRED' && e.exitCode === 2,
  );
});

test('on a TTY it asks and accepts only "yes"', async () => {
  for (const [answer, ok] of [
    ['yes\n', true],
    ['y\n', false],
  ] as const) {
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const p = confirmPlan(ctx({}, true), 'gardenos x', ['delete a'], stdin);
    stdin.write(answer);
    if (ok) await p;
    else await assert.rejects(p, /was not confirmed/);
  }
});
