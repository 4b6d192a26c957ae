// The shape of a CLI command: its name and help beside its code, loaded only when run.
import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  /** Arguments after `--`, passed through (psql). */
  passthrough: string[];
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  /** Resolves to the exit code. */
  run(ctx: CommandContext): Promise<number>;
}

/** Options every command that works on a platform accepts. */
export const PLATFORM_OPTIONS: OptionSpec = {
  file: { type: 'string', short: 'f' },
  'state-dir': { type: 'string' },
  'base-port': { type: 'string' },
};

export const PLATFORM_USAGE = `  -f, --file FILE      spec file (default: ./gardenos.yaml if present, else built-in defaults)
      --state-dir DIR   state dir (overrides local.stateDir; env GARDENOS_STATE_DIR)
      --base-port N     first of the 50 ports used (overrides local.basePort; env GARDENOS_BASE_PORT)`;
