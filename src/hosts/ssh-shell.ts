// A host as provisioning sees it once connected: commands (as root through sudo when needed) and
// files written through a temp file, over one verified SSH connection (ssh2).
import { randomBytes } from 'node:crypto';
import { constants as osConstants } from 'node:os';
import { dirname, basename } from 'node:path';
import type { Client, ClientChannel } from 'ssh2';
import { GardenError } from '../errors.js';
import { fingerprintOf, hostKeyLine, type HostKey } from './host-keys.js';
import { unreachableError, where } from './ssh-errors.js';

export interface SshTarget {
  /** The host's name in the spec, used in every message. */
  name: string;
  address: string;
  port: number;
  user: string;
  /** Private key file; without it the ssh-agent (ConnectOptions.agentSocket) is used. */
  identityFile?: string;
  /** The pinned host key line, "ssh-ed25519 AAAA...". */
  hostKey?: string;
  /** A known_hosts file whose lines for this address (plain, [addr]:port or hashed) are pinned too. */
  knownHostsFile?: string;
}

export interface ExecResult {
  code: number;
  signal?: string;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Sent on the command's stdin: the only way secrets reach a host (a command line shows in `ps`). */
  stdin?: string | Buffer;
  /** Run as root: through `sudo -n` when the SSH user is not root. */
  sudo?: boolean;
  /** Close the channel and throw TIMEOUT after this long. */
  timeoutMs?: number;
  /** Hand stdout to this as it arrives (a followed log) instead of collecting it: the result's stdout is then empty. */
  onStdout?: (chunk: Buffer) => void;
  /**
   * The command changes nothing on the host (it reads state), so running it twice is harmless: when the
   * connection breaks under it, it runs once more on a new connection to the same host key.
   */
  readOnly?: boolean;
}

export interface WriteFileOptions {
  mode: number;
  /** Owner and group to set; when left out, the file belongs to whoever writes it (root with sudo). */
  owner?: string;
  group?: string;
}

/** What provisioning needs from a host; file operations always run as root (through sudo when needed). */
export interface HostShell {
  readonly target: SshTarget;
  /** The key line the server presented, "ssh-ed25519 AAAA...", to record after acceptNewHostKey. */
  readonly hostKey: string;
  readonly hostKeyFingerprint: string;
  /** True when nothing pinned the key and acceptNewHostKey accepted it. */
  readonly hostKeyIsNew: boolean;
  exec(cmd: string, opts?: ExecOptions): Promise<ExecResult>;
  /** The file's bytes, or undefined when it does not exist. */
  readFile(path: string): Promise<Buffer | undefined>;
  /** Temp file + rename; false (nothing written) when content, mode and owner are already the same. */
  writeFile(path: string, data: string | Buffer, opts: WriteFileOptions): Promise<boolean>;
  close(): Promise<void>;
}

/** Single-quotes a word for sh: paths and arguments on command lines (never secrets, which go on stdin). */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The connection was gone before or while a command ran: its exit status is unknown. */
class ConnectionLost extends Error {
  constructor(readonly error: GardenError) {
    super(error.message);
  }
}

interface RawResult {
  code: number;
  signal?: string;
  stdout: Buffer;
  stderr: Buffer;
}

export class Ssh2HostShell implements HostShell {
  readonly hostKey: string;
  readonly hostKeyFingerprint: string;
  private sudoChecked: Promise<void> | undefined;
  private closed = false;
  private brokenBy: string | undefined;

  private reopening: Promise<void> | undefined;
  private readonly retired: Client[] = [];

  constructor(
    private client: Client,
    readonly target: SshTarget,
    key: HostKey,
    readonly hostKeyIsNew: boolean,
    private readonly reopen?: () => Promise<Client>,
  ) {
    this.hostKey = hostKeyLine(key);
    this.hostKeyFingerprint = fingerprintOf(key);
    this.watch(client);
  }

  private watch(client: Client): void {
    client.once('close', () => {
      if (client === this.client) this.closed = true;
    });
    // Why it broke, for the error a later command gets (ECONNRESET, a timeout): the close alone says nothing.
    client.on('error', (err: Error) => {
      if (client === this.client) this.brokenBy ??= err.message;
    });
  }

  /** A new connection in place of a broken one (once for all the commands that wait on it). */
  private async reconnect(broken: Client): Promise<void> {
    if (this.client !== broken) return;
    this.reopening ??= this.reopen!()
      .then((client) => {
        // A channel can close alone on a live connection: commands still running there finish, close() ends it.
        if (this.closed) broken.end();
        else this.retired.push(broken);
        this.client = client;
        this.sudoChecked = undefined;
        this.closed = false;
        this.brokenBy = undefined;
        this.watch(client);
      })
      .finally(() => {
        this.reopening = undefined;
      });
    return this.reopening;
  }

  async exec(cmd: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const r = await this.run(cmd, opts);
    return {
      code: r.code,
      ...(r.signal ? { signal: r.signal } : {}),
      stdout: r.stdout.toString('utf8'),
      stderr: r.stderr.toString('utf8'),
    };
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    const r = await this.run(`if [ -e ${shellQuote(path)} ]; then exec cat -- ${shellQuote(path)}; else exit 3; fi`, {
      sudo: true,
      readOnly: true,
    });
    if (r.code === 3) return undefined;
    if (r.code !== 0) throw this.commandFailed(`read ${path}`, r);
    return r.stdout;
  }

  async writeFile(path: string, data: string | Buffer, opts: WriteFileOptions): Promise<boolean> {
    const want = Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8');
    const p = shellQuote(path);
    const now = await this.run(`if [ -e ${p} ]; then stat -c '%a %U %G' -- ${p} && exec cat -- ${p}; else exit 3; fi`, {
      sudo: true,
      readOnly: true,
    });
    if (now.code === 0) {
      const nl = now.stdout.indexOf(0x0a);
      const [mode, owner, group] = now.stdout.subarray(0, nl).toString('utf8').split(' ');
      if (
        Number.parseInt(mode ?? '', 8) === opts.mode &&
        (opts.owner === undefined || owner === opts.owner) &&
        (opts.group === undefined || group === opts.group) &&
        now.stdout.subarray(nl + 1).equals(want)
      ) {
        return false;
      }
    } else if (now.code !== 3) {
      throw this.commandFailed(`inspect ${path}`, now);
    }
    // Same directory, so the rename is atomic: a reader sees the old file or the new one, never half of one.
    const tmp = shellQuote(`${dirname(path)}/.${basename(path)}.gardenos-${randomBytes(4).toString('hex')}`);
    const owner =
      opts.owner !== undefined
        ? `chown ${shellQuote(opts.owner + (opts.group !== undefined ? `:${opts.group}` : ''))} ${tmp}`
        : opts.group !== undefined
          ? `chgrp ${shellQuote(opts.group)} ${tmp}`
          : 'true';
    const script = `set -e; umask 077; trap 'rm -f ${tmp}' EXIT; cat > ${tmp}; chmod ${opts.mode.toString(8)} ${tmp}; ${owner}; mv -f -- ${tmp} ${p}; trap - EXIT`;
    const r = await this.run(script, { sudo: true, stdin: want });
    if (r.code !== 0) throw this.commandFailed(`write ${path}`, r);
    return true;
  }

  private lostWhy(): string {
    return this.brokenBy ? `the SSH connection broke: ${this.brokenBy}` : 'the server closed the SSH connection';
  }

  async close(): Promise<void> {
    for (const c of this.retired.splice(0)) c.end();
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.client.end();
    });
  }

  private commandFailed(what: string, r: RawResult): GardenError {
    const stderr = r.stderr.toString('utf8').trim().split('\n').slice(-3).join(' / ');
    return new GardenError(
      'HOST_COMMAND_FAILED',
      `Could not ${what} on ${where(this.target)}: exit ${r.code}${stderr ? `, ${stderr}` : ''}.`,
      {
        hint: `log in with \`ssh ${this.target.user}@${this.target.address}\` and check the path, its directory and the free space there`,
      },
    );
  }

  /** `sudo -n` fails instead of prompting: checked once per connection, before the first command that needs it. */
  private checkSudo(): Promise<void> {
    this.sudoChecked ??= this.runRaw('command -v sudo >/dev/null 2>&1 || exit 127; exec sudo -n true').then((r) => {
      if (r.code === 0) return;
      const why =
        r.code === 127
          ? 'sudo is not installed there'
          : `\`sudo -n true\` failed (${r.stderr.toString('utf8').trim() || `exit ${r.code}`})`;
      throw new GardenError(
        'SUDO_REQUIRED',
        `${where(this.target)}: gardenos logs in as ${this.target.user}, not root, and needs sudo without a password to change the system, but ${why}.`,
        {
          hint: `on ${this.target.name}, install sudo and add a line "${this.target.user} ALL=(ALL) NOPASSWD: ALL" with \`visudo -f /etc/sudoers.d/gardenos\`, or log in as root (ssh.user: root) with a key in /root/.ssh/authorized_keys`,
        },
      );
    });
    return this.sudoChecked;
  }

  private async run(cmd: string, opts: ExecOptions): Promise<RawResult> {
    const line = opts.sudo !== true || this.target.user === 'root' ? cmd : `sudo -n -- sh -c ${shellQuote(cmd)}`;
    const once = async () => {
      if (line !== cmd) await this.checkSudo();
      return this.runRaw(line, opts);
    };
    const client = this.client;
    try {
      return await once();
    } catch (err) {
      if (!(err instanceof ConnectionLost)) throw err;
      if (opts.readOnly !== true || !this.reopen) throw err.error;
      try {
        await this.reconnect(client);
      } catch {
        throw err.error;
      }
      try {
        return await once();
      } catch (again) {
        throw again instanceof ConnectionLost ? again.error : again;
      }
    }
  }

  private runRaw(cmd: string, opts: ExecOptions = {}): Promise<RawResult> {
    if (this.closed)
      return Promise.reject(new ConnectionLost(unreachableError(this.target, this.lostWhy(), undefined)));
    return new Promise((resolve, reject) => {
      this.client.exec(cmd, (err, stream: ClientChannel) => {
        if (err) {
          // On a connection that just broke (its close not seen yet) or one the server limits: a new one may serve.
          reject(new ConnectionLost(unreachableError(this.target, `cannot open a channel (${err.message})`, err)));
          return;
        }
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let exit: { code: number; signal?: string } | undefined;
        const timer =
          opts.timeoutMs === undefined
            ? undefined
            : setTimeout(() => {
                stream.close();
                reject(
                  new GardenError(
                    'TIMEOUT',
                    `A command on ${where(this.target)} did not finish within ${opts.timeoutMs! / 1000} s; its channel was closed.`,
                    {
                      hint: 'look at what runs there (`ps aux` on the host); a command waiting for input that never comes is a bug in gardenos',
                    },
                  ),
                );
              }, opts.timeoutMs);
        stream.on('data', (c: Buffer) => (opts.onStdout ? opts.onStdout(c) : out.push(c)));
        stream.stderr.on('data', (c: Buffer) => errOut.push(c));
        stream.on('exit', (code: number | null, signal?: string) => {
          const signo = signal
            ? (osConstants.signals as Record<string, number>)[signal.startsWith('SIG') ? signal : `SIG${signal}`]
            : undefined;
          exit = { code: code ?? 128 + (signo ?? 0), ...(signal ? { signal } : {}) };
        });
        stream.on('close', () => {
          clearTimeout(timer);
          if (exit) resolve({ ...exit, stdout: Buffer.concat(out), stderr: Buffer.concat(errOut) });
          else
            reject(
              new ConnectionLost(
                unreachableError(
                  this.target,
                  `the connection closed before the command reported its exit status (${this.lostWhy()})`,
                  undefined,
                ),
              ),
            );
        });
        stream.end(opts.stdin ?? '');
      });
    });
  }
}
