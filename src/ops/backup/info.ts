// Reads `pgbackrest info --output=json` into the backup sets and WAL range of one stanza (pure).

export interface BackupSet {
  label: string;
  type: 'full' | 'diff' | 'incr';
  start: string;
  stop: string;
  sizeBytes: number;
  repoSizeBytes: number;
  walStart: string;
  walStop: string;
}

export interface StanzaInfo {
  stanza: string;
  status: string;
  backups: BackupSet[];
  archive: { min: string | null; max: string | null };
}

interface RawBackup {
  label: string;
  type: BackupSet['type'];
  timestamp: { start: number; stop: number };
  info: { size: number; repository?: { delta?: number; size?: number } };
  archive?: { start?: string; stop?: string };
}
interface RawStanza {
  name: string;
  status?: { message?: string };
  backup?: RawBackup[];
  archive?: { min?: string | null; max?: string | null }[];
}

export function parseInfo(json: string, stanza: string): StanzaInfo {
  const all = JSON.parse(json) as RawStanza[];
  const s = all.find((x) => x.name === stanza);
  if (!s) return { stanza, status: 'missing stanza', backups: [], archive: { min: null, max: null } };
  const iso = (secs: number) => new Date(secs * 1000).toISOString();
  const archives = s.archive ?? [];
  return {
    stanza,
    status: s.status?.message ?? 'unknown',
    backups: (s.backup ?? []).map((b) => ({
      label: b.label,
      type: b.type,
      start: iso(b.timestamp.start),
      stop: iso(b.timestamp.stop),
      sizeBytes: b.info.size,
      repoSizeBytes: b.info.repository?.delta ?? b.info.repository?.size ?? 0,
      walStart: b.archive?.start ?? '',
      walStop: b.archive?.stop ?? '',
    })),
    archive: { min: archives[0]?.min ?? null, max: archives[archives.length - 1]?.max ?? null },
  };
}
