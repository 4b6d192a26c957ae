#!/usr/bin/env node
// gardenos's supervisor for hosts where systemd is not PID 1 (containers, WSL, the network lab). It runs
// the services of /etc/gardenos/services.json as systemd would run their units: same argv, user, env
// files, directories, restart policy and stop signal. Plain JS with no dependencies, because provisioning
// copies this one file to the host.
//
// argv: MANIFEST STATUS_FILE
//   SIGHUP   re-read the manifest: start new services, restart those whose `revision` changed, stop removed ones
//   SIGTERM  stop every service (SIGTERM, SIGKILL after its stop.timeoutSec), then exit
// The status file (JSON, rewritten on every change) says per service: state, pid, revision, restarts.
import { spawn, execFileSync } from 'node:child_process';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';

const [manifestFile, statusFile] = process.argv.slice(2);
if (!manifestFile || !statusFile) {
  process.stderr.write('usage: supervisor.mjs MANIFEST STATUS_FILE\n');
  process.exit(2);
}

const log = (text) => process.stdout.write(`${new Date().toISOString()} [gardenos supervisor] ${text}\n`);

/** name -> { def, child, state, restarts, timer, stopping } */
const running = new Map();
let exiting = false;

function idsOf(user, group) {
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2]);
  return { uid, gid };
}

/** KEY=VALUE lines; # comments and blank lines skipped; values may be double-quoted. */
function readEnvFile(file) {
  const env = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    env[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
  }
  return env;
}

function writeStatus() {
  const services = {};
  for (const [name, s] of running) {
    services[name] = {
      state: s.state,
      pid: s.child?.pid ?? null,
      revision: s.def.revision ?? null,
      restarts: s.restarts,
      startedAt: s.startedAt ?? null,
    };
  }
  const tmp = `${statusFile}.tmp`;
  writeFileSync(
    tmp,
    JSON.stringify({ pid: process.pid, updatedAt: new Date().toISOString(), services }, null, 2) + '\n',
    { mode: 0o644 },
  );
  renameSync(tmp, statusFile);
}

function start(name) {
  const s = running.get(name);
  if (!s || exiting) return;
  const def = s.def;
  try {
    const { uid, gid } = idsOf(def.user, def.group);
    for (const d of def.directories ?? []) {
      // As systemd's StateDirectory= does: missing parents root's and traversable (0755), the leaf the service's.
      mkdirSync(dirname(d.path), { recursive: true, mode: 0o755 });
      mkdirSync(d.path, { recursive: true, mode: typeof d.mode === 'string' ? Number.parseInt(d.mode, 8) : d.mode });
      chownSync(d.path, uid, gid);
    }
    const env = {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      LANG: 'C.UTF-8',
      ...def.environment,
    };
    for (const f of def.environmentFiles ?? []) Object.assign(env, readEnvFile(f));
    mkdirSync(dirname(def.logFile), { recursive: true });
    const out = openSync(def.logFile, 'a', 0o640);
    const [file, ...args] = def.exec;
    const child = spawn(file, args, {
      uid,
      gid,
      env,
      cwd: def.workingDirectory ?? '/',
      stdio: ['ignore', out, out],
      detached: true,
    });
    closeSync(out);
    s.child = child;
    s.state = 'running';
    s.startedAt = new Date().toISOString();
    log(`started ${name} (pid ${child.pid}, revision ${def.revision ?? '-'})`);
    child.on('error', (err) => log(`${name}: ${err.message}`));
    child.on('exit', (code, signal) => {
      if (s.child !== child) return;
      s.child = undefined;
      if (s.stopping || exiting) {
        s.state = 'stopped';
        writeStatus();
        return;
      }
      const failed = code !== 0;
      log(`${name} exited (${signal ?? `code ${code}`})`);
      if (def.restart.policy === 'always' || failed) {
        s.state = 'backoff';
        s.restarts++;
        s.timer = setTimeout(() => start(name), Math.max(100, def.restart.delaySec * 1000));
      } else s.state = 'exited';
      writeStatus();
    });
  } catch (err) {
    log(`${name} could not start: ${err.message}`);
    s.state = 'backoff';
    s.restarts++;
    s.timer = setTimeout(() => start(name), Math.max(1000, def.restart.delaySec * 1000));
  }
  writeStatus();
}

/** SIGTERM to the process (or its whole group), SIGKILL after the service's stop timeout. */
function stop(name) {
  const s = running.get(name);
  if (!s) return Promise.resolve();
  clearTimeout(s.timer);
  s.stopping = true;
  const child = s.child;
  if (!child) {
    s.state = 'stopped';
    return Promise.resolve();
  }
  const target = s.def.stop.mainProcessOnly ? child.pid : -child.pid;
  return new Promise((resolve) => {
    const killer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, s.def.stop.timeoutSec * 1000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    try {
      process.kill(target, 'SIGTERM');
    } catch {
      clearTimeout(killer);
      resolve();
    }
  });
}

function readManifest() {
  const m = JSON.parse(readFileSync(manifestFile, 'utf8'));
  return new Map(m.services.map((def) => [def.name, def]));
}

let reloading = Promise.resolve();
function reload() {
  reloading = reloading.then(async () => {
    let wanted;
    try {
      wanted = readManifest();
    } catch (err) {
      log(`cannot read ${manifestFile}, keeping services as they are: ${err.message}`);
      return;
    }
    for (const name of [...running.keys()]) {
      if (!wanted.has(name)) {
        await stop(name);
        running.delete(name);
        log(`removed ${name}`);
      }
    }
    // In manifest order, so etcd starts before Patroni and HAProxy before the router.
    for (const [name, def] of wanted) {
      const s = running.get(name);
      if (!s) {
        running.set(name, { def, restarts: 0, state: 'starting' });
        start(name);
      } else if (s.def.revision !== def.revision || JSON.stringify(s.def) !== JSON.stringify(def)) {
        await stop(name);
        running.set(name, { def, restarts: s.restarts, state: 'starting' });
        start(name);
      } else if (!s.child && s.state !== 'backoff') {
        s.stopping = false;
        start(name);
      }
    }
    writeStatus();
  });
  return reloading;
}

async function shutdown(sig) {
  if (exiting) return;
  log(`${sig}: stopping every service`);
  await reloading;
  exiting = true;
  await Promise.all([...running.keys()].map((n) => stop(n)));
  writeStatus();
  process.exit(0);
}

process.on('SIGHUP', () => void reload());
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
if (!existsSync(dirname(statusFile))) mkdirSync(dirname(statusFile), { recursive: true });
log(`supervising ${manifestFile} (pid ${process.pid})`);
void reload();
