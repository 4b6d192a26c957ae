// Undoing a failed `gardenos up`: stop what it started and, for a new platform, delete what it created.
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GardenError, isGardenError } from '../errors.js';
import { fromSystemError } from '../os-errors.js';
import type { LocalPlatform } from './platform.js';
import type { SupervisedProcess } from './supervised-process.js';

/**
 * Stops what this run started (newest first). For a new platform it deletes what this run created and
 * nothing else: the dirs it made, or, when it was given an empty dir, that dir's contents. Logs are kept.
 */
export async function rollBack(
  platform: LocalPlatform,
  started: SupervisedProcess[],
  fresh: { createdDir: string | undefined } | undefined,
  err: unknown,
): Promise<unknown> {
  for (const p of [...started].reverse()) await p.stop({ graceMs: 5000 }).catch(() => undefined);
  const { layout } = platform;
  let leftBehind =
    started.length > 0 ? `the ${started.length} processes this run started were stopped again` : 'nothing was started';
  const created = !fresh
    ? []
    : fresh.createdDir !== undefined
      ? [fresh.createdDir].filter((d) => existsSync(d))
      : readdirSync(layout.root).map((entry) => join(layout.root, entry));
  if (created.length > 0) {
    const keptLogs = join(tmpdir(), `gardenos-${platform.spec.name}-failed-${Date.now()}`);
    if (existsSync(layout.logsDir)) cpSync(layout.logsDir, keptLogs, { recursive: true });
    for (const path of created) rmSync(path, { recursive: true, force: true });
    leftBehind +=
      fresh?.createdDir !== undefined
        ? `; the new state dir was removed (logs kept in ${keptLogs})`
        : `; what this run wrote into ${layout.root} was removed, the directory itself kept (logs kept in ${keptLogs})`;
  }
  if (isGardenError(err)) {
    return new GardenError(err.code, err.message, {
      hint: err.hint,
      cause: err.cause,
      leftBehind,
      exitCode: err.exitCode,
    });
  }
  const os = fromSystemError(err);
  if (os) return new GardenError(os.code, os.message, { hint: os.hint, cause: err, leftBehind });
  return new GardenError('START_FAILED', `gardenos up failed: ${(err as Error).message}`, {
    hint: 'read the logs named above; this is likely a bug if they show nothing',
    cause: err,
    leftBehind,
  });
}
