// Reads pg_hba.conf lines and decides which line a plain (non-SSL) TCP client from a network hits (pure).

export interface HbaLine {
  lineNo: number;
  type: string;
  database: string;
  user: string;
  address: string;
  method: string;
  text: string;
}

export function parseHba(text: string): HbaLine[] {
  const lines: HbaLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const text = raw.replace(/#.*/, '').trim();
    if (!text) return;
    const f = text.split(/\s+/);
    if (f[0] === 'local') {
      lines.push({
        lineNo: i + 1,
        type: 'local',
        database: f[1] ?? '',
        user: f[2] ?? '',
        address: '',
        method: f[3] ?? '',
        text,
      });
    } else if (f[0]?.startsWith('host')) {
      // "host db user addr mask method" (old style) is rare; Patroni always writes CIDRs.
      lines.push({
        lineNo: i + 1,
        type: f[0],
        database: f[1] ?? '',
        user: f[2] ?? '',
        address: f[3] ?? '',
        method: f[4] ?? '',
        text,
      });
    }
  });
  return lines;
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  const n = parts.map(Number);
  if (n.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined;
  return ((n[0]! << 24) >>> 0) + (n[1]! << 16) + (n[2]! << 8) + n[3]!;
}

export function parseCidr(cidr: string): { base: number; bits: number } | undefined {
  const [ip, bitsText] = cidr.split('/');
  const base = ipv4ToInt(ip ?? '');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  return { base, bits };
}

/** Whether every address of `inner` lies inside `outer` (both IPv4 CIDRs). */
export function cidrContains(outer: string, inner: string): boolean {
  if (outer === 'all' || outer === '0.0.0.0/0') return true;
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (!o || !i || i.bits < o.bits) return false;
  const mask = o.bits === 0 ? 0 : (~0 << (32 - o.bits)) >>> 0;
  return (o.base & mask) >>> 0 === (i.base & mask) >>> 0;
}

const matchesName = (field: string, name: string) => field.split(',').some((v) => v === 'all' || v === name);

export type HbaVerdict =
  | { kind: 'allowed'; line: HbaLine }
  | { kind: 'rejected'; line: HbaLine }
  | { kind: 'ssl-only'; line: HbaLine }
  | { kind: 'no-entry' };

/** The first line a non-SSL TCP connection from `cidr` to `database` as `user` matches, as PostgreSQL evaluates it. */
export function evaluateHba(lines: HbaLine[], cidr: string, user: string, database = 'postgres'): HbaVerdict {
  let sslLine: HbaLine | undefined;
  for (const line of lines) {
    if (line.type === 'local') continue;
    if (!matchesName(line.database, database) || !matchesName(line.user, user) || !cidrContains(line.address, cidr))
      continue;
    if (line.type === 'hostssl') {
      sslLine ??= line;
      continue;
    }
    if (line.type === 'host' || line.type === 'hostnossl') {
      return line.method === 'reject' ? { kind: 'rejected', line } : { kind: 'allowed', line };
    }
  }
  return sslLine ? { kind: 'ssl-only', line: sslLine } : { kind: 'no-entry' };
}
