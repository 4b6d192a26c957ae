// The one error type every layer throws; only cli/ turns it into text and an exit code.

export type ErrorCode =
  | 'SPEC_INVALID'
  | 'SPEC_NOT_FOUND'
  | 'SPEC_PARSE'
  | 'USAGE'
  | 'BINARY_MISSING'
  | 'BINARY_VERSION'
  | 'PORT_IN_USE'
  | 'STATE_DIR'
  | 'STATE_VERSION'
  | 'NOT_ROOT'
  | 'SETUP_FAILED'
  | 'START_FAILED'
  | 'TIMEOUT'
  | 'NOT_RUNNING'
  | 'CLUSTER_STATE'
  | 'PATRONI_API'
  | 'CONFIRM_REQUIRED'
  | 'SECRETS_INVALID'
  | 'RENDER_INPUT'
  | 'DEPLOY_FAILED'
  | 'SERVICE_FAILED'
  | 'NOT_CONFIGURED'
  | 'BACKUP_FAILED'
  | 'RESTORE_FAILED'
  | 'MIGRATE_FAILED'
  | 'TARGET_NOT_EMPTY'
  | 'HOST_KEY_UNKNOWN'
  | 'HOST_KEY_MISMATCH'
  | 'HOST_UNREACHABLE'
  | 'SSH_AUTH'
  | 'SUDO_REQUIRED'
  | 'HOST_COMMAND_FAILED'
  | 'PREFLIGHT_FAILED'
  | 'LAB_BUSY'
  | 'OS_ERROR';

export interface GardenErrorOptions {
  /** What the user should do next. */
  hint: string;
  cause?: unknown;
  /** For commands that change state: what was left behind when it failed. */
  leftBehind?: string;
  /** Process exit code; user-caused failures are 2. */
  exitCode?: number;
}

export class GardenError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly leftBehind: string | undefined;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options: GardenErrorOptions) {
    super(message, { cause: options.cause });
    this.name = 'GardenError';
    this.code = code;
    this.hint = options.hint;
    this.leftBehind = options.leftBehind;
    this.exitCode = options.exitCode ?? 2;
  }
}

export function isGardenError(err: unknown): err is GardenError {
  return err instanceof GardenError;
}

/** A short text of any thrown value, for evidence in messages. */
export function describeCause(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
