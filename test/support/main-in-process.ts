// Runs the CLI's main() in this process with captured output, for command tests that need no real stack.
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';

export async function runMain(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d: Buffer) => (o += d.toString()));
  err.on('data', (d: Buffer) => (e += d.toString()));
  const code = await main(args, { out, err, env: { NO_COLOR: '1', ...env }, cwd });
  return { code, out: o, err: e };
}
