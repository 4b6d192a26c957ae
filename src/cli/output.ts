// Text output: progress steps, tables, colours on a TTY only, and the one-paragraph error.
import { GardenError } from '../errors.js';
import type { Reporter } from '../runtime/index.js';

type Stream = NodeJS.WritableStream & { isTTY?: boolean };

export interface Colors {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export function colorsFor(stream: Stream, env: NodeJS.ProcessEnv): Colors {
  const on = Boolean(stream.isTTY) && env.NO_COLOR === undefined;
  const wrap = (code: number, reset: number) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[${reset}m` : s);
  return { green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

export function progressReporter(stream: Stream, env: NodeJS.ProcessEnv): Reporter {
  const c = colorsFor(stream, env);
  return {
    step(title) {
      const t0 = Date.now();
      stream.write(`${c.dim('…')} ${title}\n`);
      return (result) => {
        const secs = ((Date.now() - t0) / 1000).toFixed(1);
        stream.write(`${c.green('✓')} ${title}${result ? c.dim(` — ${result}`) : ''} ${c.dim(`(${secs} s)`)}\n`);
      };
    },
    info(text) {
      stream.write(`${text}\n`);
    },
  };
}

export function table(rows: string[][], indent = '  '): string {
  const widths = rows.reduce<number[]>((w, r) => r.map((cell, i) => Math.max(w[i] ?? 0, visibleLength(cell))), []);
  return rows
    .map(
      (r) =>
        indent +
        r
          .map((cell, i) => (i === r.length - 1 ? cell : pad(cell, widths[i]!)))
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}

function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}

function pad(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - visibleLength(s)));
}

/** One paragraph: what happened and why, what to do, what was left behind. */
export function formatError(err: unknown, stream: Stream, env: NodeJS.ProcessEnv): string {
  const c = colorsFor(stream, env);
  if (err instanceof GardenError) {
    const lines = [`${c.red('error')} [${err.code}]: ${err.message}`, `  ${c.bold('fix:')} ${err.hint}`];
    if (err.leftBehind) lines.push(`  ${c.bold('state:')} ${err.leftBehind}`);
    return lines.join('\n') + '\n';
  }
  const e = err as Error;
  return `${c.red('error')} [INTERNAL]: ${e?.stack ?? String(err)}\n  ${c.bold('fix:')} this is a bug in gardenos; please report it with the text above\n`;
}
