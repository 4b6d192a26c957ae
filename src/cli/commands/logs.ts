// gardenos logs
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { GardenError } from '../../errors.js';
import { NodeProcessRunner, openPlatform } from '../../local/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command } from '../command.js';
import { readPlatformSpec, readSpec, specDirOf } from '../spec-source.js';

const command: Command = {
  name: 'logs',
  summary: 'show or follow logs',
  usage: `Usage: gardenos logs [COMPONENT] [-f] [-n LINES] [options]

COMPONENT is a member name (etcd1, pg2, haproxy, or a service name) or a kind (etcd, patroni, haproxy, service); default: all.
With a hosts spec, COMPONENT is a host (s1), a service (etcd, patroni, haproxy, pgbouncer, router, pgbackrest, k3s, supervisor) or
HOST/SERVICE (s1/patroni); the logs are read over SSH, from the journal where systemd runs the units.

${PLATFORM_USAGE}
  -f, --follow          keep printing new lines
  -n, --lines N         lines of history per log (default 50)`,
  options: { ...PLATFORM_OPTIONS, follow: { type: 'boolean', short: 'f' }, lines: { type: 'string', short: 'n' } },
  async run(ctx) {
    const wanted = ctx.positionals[0];
    const lines = Number(ctx.values.lines ?? 50);
    if (!Number.isInteger(lines) || lines < 0) {
      throw new GardenError('USAGE', `--lines must be a whole number of lines, got "${String(ctx.values.lines)}".`, {
        hint: 'for example -n 200',
      });
    }
    const { spec } = await readSpec(ctx);
    if (spec.hosts) {
      const { selectLogSources, showHostLogs } = await import('../../hosts/logs.js');
      await showHostLogs(spec, selectLogSources(spec, wanted), {
        specDir: specDirOf(ctx),
        stateDir: spec.local.stateDir,
        agentSocket: ctx.env.SSH_AUTH_SOCK,
        lines,
        follow: ctx.values.follow === true,
        write: (t) => ctx.out.write(t),
      });
      return 0;
    }
    const platform = openPlatform(await readPlatformSpec(ctx), new NodeProcessRunner());
    const procs = platform.processes.filter(
      (p) => !wanted || p.spec.member === wanted || p.spec.kind === wanted || p.id === wanted,
    );
    if (procs.length === 0) {
      throw new GardenError('USAGE', `No component "${wanted}".`, {
        hint: `use one of: ${[...new Set(platform.processes.flatMap((p) => [p.spec.member, p.spec.kind]))].join(', ')}`,
      });
    }
    const files = procs.map((p) => ({
      label: procs.length > 1 ? `${p.spec.member} | ` : '',
      path: p.spec.launch.logFile,
    }));
    const offsets = new Map<string, number>();
    for (const f of files) {
      if (!existsSync(f.path)) continue;
      const text = readFrom(f.path, 0);
      offsets.set(f.path, Buffer.byteLength(text));
      for (const line of text.split('\n').filter(Boolean).slice(-lines)) ctx.out.write(`${f.label}${line}\n`);
    }
    if (!ctx.values.follow) return 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 300));
      for (const f of files) {
        if (!existsSync(f.path)) continue;
        const text = readFrom(f.path, offsets.get(f.path) ?? 0);
        if (!text) continue;
        offsets.set(f.path, (offsets.get(f.path) ?? 0) + Buffer.byteLength(text));
        for (const line of text.split('\n').filter(Boolean)) ctx.out.write(`${f.label}${line}\n`);
      }
    }
  },
};

function readFrom(path: string, offset: number): string {
  const size = statSync(path).size;
  if (size <= offset) return '';
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export default command;
