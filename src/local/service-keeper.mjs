#!/usr/bin/env node
// Keeps one user service running: injects DATABASE_URL / DATABASE_READ_URL, restarts it when it exits.
// Plain JS (no tsx) because it is the long-lived process the supervisor's pid file points at.
//
// argv: --name N --password-file FILE --user ROLE --database DB --primary HOST:PORT --replicas HOST:PORT
//       --needs primary,replicas [--ca FILE] -- CMD ARGS...
// ROLE is the services' own role (no superuser); FILE holds its password only, readable by the user the
// keeper and its service run as (gardenos-app when gardenos is root), never the superuser's secrets.
// With --ca (postgres.tls on) the URLs ask for TLS checked by that CA: sslmode=verify-full&sslrootcert=FILE,
// which libpq and node-postgres both read.
// The password is read from its 0600 file on each start, so it never appears in any argv.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const opts = {};
for (let i = 0; i < sep; i += 2) opts[argv[i].replace(/^--/, '')] = argv[i + 1];
const [command, ...args] = argv.slice(sep + 1);
const needs = new Set((opts.needs ?? 'primary').split(','));

const MAX_BACKOFF_MS = 10_000;
const STABLE_MS = 30_000;
const KILL_AFTER_MS = 5_000;
let backoff = 500;
let restarts = 0;
let child;
let stopping = false;

const log = (text) => process.stdout.write(`${new Date().toISOString()} [gardenos keeper ${opts.name}] ${text}\n`);

function databaseEnv() {
  const password = readFileSync(opts['password-file'], 'utf8').trim();
  const tls = opts.ca ? `?sslmode=verify-full&sslrootcert=${encodeURIComponent(opts.ca)}` : '';
  const url = (hostPort) =>
    `postgresql://${encodeURIComponent(opts.user)}:${encodeURIComponent(password)}@${hostPort}/${encodeURIComponent(opts.database)}${tls}`;
  return {
    ...(needs.has('primary') ? { DATABASE_URL: url(opts.primary) } : {}),
    ...(needs.has('replicas') ? { DATABASE_READ_URL: url(opts.replicas) } : {}),
  };
}

// If the keeper is killed (-9), the service must not live on as an orphan holding its port:
// setpriv (util-linux) asks the kernel to send it SIGTERM when its parent dies, and sets no_new_privs,
// so no setuid program the service runs can gain a privilege.
const SETPRIV = '/usr/bin/setpriv';
const [file, argv2] = existsSync(SETPRIV)
  ? [SETPRIV, ['--pdeathsig', 'TERM', '--no-new-privs', '--', command, ...args]]
  : [command, args];

function start() {
  const startedAt = Date.now();
  child = spawn(file, argv2, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...databaseEnv() } });
  log(`started ${command} (pid ${child.pid})${restarts ? `, restart #${restarts}` : ''}`);
  child.on('error', (err) => log(`could not start ${command}: ${err.message}`));
  child.on('exit', (code, signal) => {
    if (stopping) process.exit(0);
    if (Date.now() - startedAt > STABLE_MS) backoff = 500;
    restarts++;
    log(`exited (${signal ?? `code ${code}`}); restarting in ${backoff} ms`);
    setTimeout(start, backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  });
}

function stop(signal) {
  stopping = true;
  log(`${signal}: stopping the service`);
  if (!child || child.exitCode !== null || child.signalCode !== null) process.exit(0);
  child.kill('SIGTERM');
  setTimeout(() => {
    child.kill('SIGKILL');
    process.exit(0);
  }, KILL_AFTER_MS).unref();
}

process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
start();
