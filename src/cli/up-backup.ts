// After `up` with backup.enabled: create the pgBackRest stanza so archive_command succeeds from the start.
import { describeCause } from '../errors.js';
import type { Reporter } from '../runtime/index.js';
import { checkArchiving, currentLeader, ensureStanza } from '../ops/backup/index.js';
import type { Spec } from '../spec/index.js';
import { backupContext } from './backup-context.js';

/** A failure here does not undo `up`: the platform runs, and `gardenos doctor` reports failing archiving. */
export async function ensureArchiving(spec: Spec, reporter: Reporter): Promise<void> {
  const done = reporter.step('pgBackRest stanza and WAL archiving');
  try {
    const ctx = backupContext(spec);
    const leader = await currentLeader(spec);
    await ensureStanza(ctx, leader);
    await checkArchiving(ctx, leader);
    done(`stanza ${spec.name}, WAL archiving checked`);
  } catch (err) {
    reporter.info(
      `warning: WAL archiving is not ready: ${describeCause(err)}; run \`gardenos doctor\`, then \`gardenos backup\``,
    );
  }
}
