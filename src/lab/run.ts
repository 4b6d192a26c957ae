// Runs the machine's tools (ip, nft, ssh-keygen) for the lab: one place that turns a failed call into an error.
import { execFile } from 'node:child_process';
import { GardenError } from '../errors.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Never throws for a non-zero exit: callers that probe (does this link exist?) read the code. */
export function run(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) {
          resolve({ code: 0, stdout, stderr });
          return;
        }
        // A number is the exit status; a string (ENOENT) or a timeout kill means it never ran to the end.
        const code = typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 127;
        resolve({ code, stdout, stderr: stderr || err.message });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs and throws START_FAILED naming what it was doing when the tool fails. */
export async function mustRun(
  cmd: string,
  args: string[],
  what: string,
  opts: { input?: string } = {},
): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new GardenError(
      'START_FAILED',
      `Could not ${what}: \`${cmd} ${args.join(' ')}\` exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}.`,
      {
        hint: 'the lab needs root and a kernel with network namespaces, veth, bridges and nftables; run the command above by hand to see more',
      },
    );
  }
  return r.stdout;
}
