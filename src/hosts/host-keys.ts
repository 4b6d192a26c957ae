// SSH host key facts (pure): parse a pinned key line, its SHA256 fingerprint, the known_hosts lines that name a host.
import { createHash, createHmac } from 'node:crypto';

export interface HostKey {
  /** The key's own type, read from the blob: "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"... */
  type: string;
  /** The wire-format public key (what the server sends, what the base64 of a key line decodes to). */
  blob: Buffer;
}

/** The type name at the start of a wire-format key, or undefined when the blob is not one. */
function typeOfBlob(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) return undefined;
  const type = blob.subarray(4, 4 + length).toString('latin1');
  return /^[a-z0-9@.-]+$/.test(type) ? type : undefined;
}

export function hostKeyFromBlob(blob: Buffer): HostKey {
  return { type: typeOfBlob(blob) ?? 'unknown', blob: Buffer.from(blob) };
}

/** "ssh-ed25519 AAAA... [comment]" -> the key; undefined when the line is not a key or its type disagrees with its blob. */
export function parseHostKeyLine(line: string): HostKey | undefined {
  const [type, b64] = line.trim().split(/\s+/);
  if (!type || !b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
  const blob = Buffer.from(b64, 'base64');
  return typeOfBlob(blob) === type ? { type, blob } : undefined;
}

/** The line to pin in gardenos.yaml: "ssh-ed25519 AAAA..." (no comment). */
export function hostKeyLine(key: HostKey): string {
  return `${key.type} ${key.blob.toString('base64')}`;
}

/** The same text as `ssh-keygen -lf`: "SHA256:" and the unpadded base64 of the blob's SHA-256. */
export function fingerprintOf(key: HostKey): string {
  return `SHA256:${createHash('sha256').update(key.blob).digest('base64').replace(/=+$/, '')}`;
}

/** "ED25519", "ECDSA", "RSA": the word `ssh-keygen -l` prints in brackets. */
export function keyKind(key: HostKey): string {
  if (key.type === 'ssh-ed25519') return 'ED25519';
  if (key.type.startsWith('ecdsa-')) return 'ECDSA';
  if (key.type === 'ssh-rsa') return 'RSA';
  return key.type.toUpperCase();
}

export function sameKey(a: HostKey, b: HostKey): boolean {
  return a.type === b.type && a.blob.equals(b.blob);
}

/**
 * The signature algorithms that can present a key of this type, for putting the pinned types first
 * in the negotiation: without that, a server with several host keys could present one we did not pin.
 */
export function algorithmsFor(type: string): string[] {
  return type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
}

/** How OpenSSH names a host in known_hosts: the address alone on port 22, "[address]:port" otherwise. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

function globMatches(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** One known_hosts host field against a name: comma-separated patterns (with * ? and !negation) or a hashed |1|salt|hash. */
function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
    return mac.equals(Buffer.from(hash, 'base64'));
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (globMatches(pattern.slice(1), name)) return false;
    } else if (globMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/**
 * The keys a known_hosts text pins for address:port. Marker lines (@cert-authority, @revoked) are
 * never taken as pins: a revoked key then counts as unpinned, which is refused all the same.
 */
export function keysFromKnownHosts(text: string, address: string, port: number): HostKey[] {
  const name = knownHostsName(address, port);
  const keys: HostKey[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('@')) continue;
    const [hosts, ...rest] = line.split(/\s+/);
    if (!hosts || !hostFieldMatches(hosts, name)) continue;
    const key = parseHostKeyLine(rest.join(' '));
    if (key) keys.push(key);
  }
  return keys;
}
