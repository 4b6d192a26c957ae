// gardenos's own exporter: what no Debian exporter reports — the free space of each data dir's
// filesystem and the age of the newest pgBackRest backup. Read on each scrape (statfs) or at most
// once a minute (pgBackRest info, which reads the repository).
import { statfs } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { Gauge, Registry } from 'prom-client';

export interface DataDir {
  member: string;
  path: string;
}

/** The newest backup: its stop time (epoch seconds) and how many sets the repository holds. */
export interface BackupFacts {
  lastCompletedS: number | null;
  count: number;
}

export interface ExporterSources {
  dataDirs: readonly DataDir[];
  /** Absent when backups are off: no backup series at all, so no BackupTooOld alert can fire. */
  readBackups?: () => Promise<BackupFacts>;
  /** The pgBackRest stanza, a label on the backup series (a label-less gauge would report 0 after a reset). */
  stanza?: string;
  backupCacheMs?: number;
  now?: () => number;
}

export function createExporterRegistry(src: ExporterSources): Registry {
  const registry = new Registry();
  // prom-client collects every metric in parallel: each awaits the same read round of this scrape.
  let round: Promise<void> | undefined;
  let readBackupsRound: () => Promise<void> = async () => undefined;
  const refreshDisks = () =>
    (round ??= Promise.all([collectDisks(), readBackupsRound()])
      .then(() => undefined)
      .finally(() => (round = undefined)));
  const free = new Gauge({
    name: 'gardenos_data_dir_free_bytes',
    help: 'Bytes available to unprivileged users on the filesystem of a data dir',
    labelNames: ['member'],
    registers: [registry],
    collect: () => refreshDisks(),
  });
  const size = new Gauge({
    name: 'gardenos_data_dir_size_bytes',
    help: 'Size of the filesystem of a data dir',
    labelNames: ['member'],
    registers: [registry],
    collect: () => refreshDisks(),
  });
  const sourceUp = new Gauge({
    name: 'gardenos_exporter_source_up',
    help: '1 when the source could be read on the last scrape, 0 when not',
    labelNames: ['source'],
    registers: [registry],
    collect: () => refreshDisks(),
  });
  async function collectDisks(): Promise<void> {
    for (const d of src.dataDirs) {
      try {
        const s = await statfs(d.path);
        free.set({ member: d.member }, s.bavail * s.bsize);
        size.set({ member: d.member }, s.blocks * s.bsize);
        sourceUp.set({ source: `disk-${d.member}` }, 1);
      } catch {
        // No stale figure: a data dir that cannot be read reports nothing, and its source 0.
        free.remove({ member: d.member });
        size.remove({ member: d.member });
        sourceUp.set({ source: `disk-${d.member}` }, 0);
      }
    }
  }
  if (src.readBackups) {
    const readBackups = src.readBackups;
    const now = src.now ?? Date.now;
    const cacheMs = src.backupCacheMs ?? 60_000;
    const labels = { stanza: src.stanza ?? 'main' };
    let cached: { at: number; facts: BackupFacts | null } | undefined;
    const last = new Gauge({
      name: 'gardenos_backup_last_completed_timestamp_seconds',
      help: 'When the newest backup set finished (epoch seconds)',
      labelNames: ['stanza'],
      registers: [registry],
      collect: () => refreshDisks(),
    });
    const count = new Gauge({
      name: 'gardenos_backup_count',
      help: 'Backup sets in the repository',
      labelNames: ['stanza'],
      registers: [registry],
      collect: () => refreshDisks(),
    });
    // A read error resets both: a stale value would hide a failing repository.
    readBackupsRound = async () => {
      if (!cached || now() - cached.at >= cacheMs) {
        const facts = await readBackups().catch(() => null);
        cached = { at: now(), facts };
      }
      const f = cached.facts;
      sourceUp.set({ source: 'backup' }, f ? 1 : 0);
      if (!f) {
        last.reset();
        count.reset();
        return;
      }
      count.set(labels, f.count);
      if (f.lastCompletedS === null) last.reset();
      else last.set(labels, f.lastCompletedS);
    };
  }
  return registry;
}

export function startExporterServer(registry: Registry, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('only /metrics here\n');
      return;
    }
    registry
      .metrics()
      .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text))
      .catch((err: Error) => res.writeHead(500).end(`${err.message}\n`));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}
