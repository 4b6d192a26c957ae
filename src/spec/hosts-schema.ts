// The `hosts` and `k3s` sections of gardenos.yaml: the servers the hosts target provisions over SSH.
import { z } from 'zod';

/** What a host runs; every host runs all four by default (the journal's hybrid layout). */
export const HOST_ROLES = ['etcd', 'postgres', 'haproxy', 'k3s-server'] as const;
export type HostRole = (typeof HOST_ROLES)[number];

/** The key types OpenSSH servers offer; a pinned key line is `<type> <base64> [comment]`. */
export const HOST_KEY_TYPES = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
] as const;

const HOST_KEY_LINE = new RegExp(`^(${HOST_KEY_TYPES.join('|')}) [A-Za-z0-9+/]+={0,2}( \\S.*)?$`);

/** Why `line` is not a public host key line, or undefined. The key's base64 must also decode to its own type. */
export function hostKeyProblem(line: string): string | undefined {
  const text = line.trim();
  if (text.startsWith('|1|') || /^\S+ (ssh-|ecdsa-)/.test(text)) {
    return 'this looks like a known_hosts line (it starts with the host); pin only the key: "ssh-ed25519 AAAA..."';
  }
  if (!HOST_KEY_LINE.test(text)) {
    return `must be a public host key line such as "ssh-ed25519 AAAAC3Nza..." (types: ${HOST_KEY_TYPES.join(', ')})`;
  }
  const [type, b64] = text.split(' ') as [string, string];
  const blob = Buffer.from(b64, 'base64');
  const nameLength = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  // An ed25519 key is exactly its name and 32 bytes; the others need at least some key material.
  const complete = type === 'ssh-ed25519' ? blob.length === 4 + 11 + 4 + 32 : blob.length > 4 + type.length + 16;
  if (nameLength !== type.length || blob.subarray(4, 4 + nameLength).toString('latin1') !== type || !complete) {
    return `the base64 part is not an ${type} key (copied incompletely?); copy the whole line from ssh-keyscan or /etc/ssh/ssh_host_ed25519_key.pub`;
  }
  return undefined;
}

const hostName = z.string().regex(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$|^[a-z]$/, {
  error: 'must be 1-32 characters of lowercase letters, digits and "-", starting with a letter',
});

const ipv4 = z.ipv4({ error: 'must be an IPv4 address such as 10.0.0.11' });

const sshSpec = z.strictObject({
  user: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, { error: 'must be a Unix user name such as root or admin' })
    .default('root')
    .describe('SSH user; when not root, gardenos runs commands with sudo -n (passwordless sudo needed)'),
  port: z.number().int().min(1).max(65535).default(22).describe('SSH port'),
  identityFile: z.string().min(1).optional().describe('Private key file (default: the ssh-agent at SSH_AUTH_SOCK)'),
});

export const hostSpec = z
  .strictObject({
    name: hostName.describe('Host name; also the etcd member and Patroni node name on it'),
    address: ipv4.describe('Private IPv4 address the hosts use between them'),
    publicAddress: ipv4.optional().describe('Public IPv4 address, added to certificates and the K3s tls-san'),
    ssh: sshSpec.prefault({}),
    hostKey: z
      .string()
      .optional()
      .describe('The pinned SSH host key line ("ssh-ed25519 AAAA..."); gardenos refuses any other key'),
    knownHostsFile: z
      .string()
      .min(1)
      .optional()
      .describe("A known_hosts file that holds this host's key (instead of hostKey)"),
    roles: z
      .array(z.enum(HOST_ROLES))
      .min(1)
      .default([...HOST_ROLES])
      .describe(`What runs on this host (${HOST_ROLES.join(', ')}; default all)`),
  })
  .describe('A server the hosts target provisions over SSH');

export const k3sSpec = z.strictObject({
  enabled: z.boolean().default(true).describe('Install K3s servers on hosts with the k3s-server role'),
  version: z
    .string()
    .regex(/^v\d+\.\d+\.\d+\+k3s\d+$/, { error: 'must be a K3s release such as v1.31.4+k3s1' })
    .default('v1.31.4+k3s1')
    .describe('Pinned K3s release the official installer puts on each server'),
  apiPort: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .default(6443)
    .describe('HAProxy K3s API frontend port on every haproxy host'),
  serverPort: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .default(6444)
    .describe('Port each K3s server listens on (behind HAProxy)'),
});

export type HostInput = z.input<typeof hostSpec>;
export type ParsedHost = z.output<typeof hostSpec>;
export type ParsedK3s = z.output<typeof k3sSpec>;
