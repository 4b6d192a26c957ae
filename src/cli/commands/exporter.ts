// gardenos exporter
import { GardenError } from '../../errors.js';
import { createExporterRegistry, startExporterServer, type DataDir } from '../../monitoring/index.js';
import type { Command } from '../command.js';

/** `member=path` pairs: which member's data dir the free-space series is about. */
function dataDirsOf(values: string[]): DataDir[] {
  return values.map((v) => {
    const at = v.indexOf('=');
    if (at <= 0 || at === v.length - 1)
      throw new GardenError('USAGE', `--data-dir "${v}" is not member=path.`, {
        hint: 'e.g. --data-dir pg1=/var/lib/x',
      });
    return { member: v.slice(0, at), path: v.slice(at + 1) };
  });
}

function listenOf(value: string | undefined): { host: string; port: number } {
  const m = /^([0-9.]+):(\d+)$/.exec(value ?? '');
  if (!m)
    throw new GardenError('USAGE', `--listen "${value ?? ''}" is not host:port.`, {
      hint: 'e.g. --listen 127.0.0.1:15424',
    });
  return { host: m[1]!, port: Number(m[2]) };
}

const command: Command = {
  name: 'exporter',
  summary: "run gardenos's own Prometheus exporter (started by `up` with monitoring on)",
  usage: `Usage: gardenos exporter --listen HOST:PORT --data-dir MEMBER=PATH... [--pgbackrest-config F --stanza S]

Serves /metrics: the free space of each data dir's filesystem, and with --pgbackrest-config the
newest backup's time and the number of backup sets (pgBackRest info, read at most once a minute).`,
  options: {
    listen: { type: 'string' },
    'data-dir': { type: 'string', multiple: true },
    'pgbackrest-config': { type: 'string' },
    stanza: { type: 'string' },
  },
  async run(ctx) {
    const { host, port } = listenOf(ctx.values.listen as string | undefined);
    const dataDirs = dataDirsOf((ctx.values['data-dir'] as string[] | undefined) ?? []);
    const config = ctx.values['pgbackrest-config'] as string | undefined;
    const stanza = (ctx.values.stanza as string | undefined) ?? 'main';
    let readBackups;
    if (config) {
      // From the modules, not the backup barrel: that one reaches the local platform's modules, which the
      // agent bundle (the exporter on the hosts target) cannot load.
      const [{ pgbackrestRunner }, { parseInfo }] = await Promise.all([
        import('../../ops/backup/pgbackrest-runner.js'),
        import('../../ops/backup/info.js'),
      ]);
      // As the PostgreSQL user, who owns the repository; info reads it and needs no password.
      const run = pgbackrestRunner(undefined, '');
      readBackups = async () => {
        const r = await run([`--config=${config}`, `--stanza=${stanza}`, '--output=json', 'info'], {
          timeoutMs: 30_000,
        });
        if (r.code !== 0) throw new Error(r.stderr.trim() || `pgbackrest info exited ${r.code}`);
        const info = parseInfo(r.stdout, stanza);
        const stops = info.backups.map((b) => Date.parse(b.stop) / 1000).filter((t) => Number.isFinite(t));
        return { count: info.backups.length, lastCompletedS: stops.length > 0 ? Math.max(...stops) : null };
      };
    }
    const registry = createExporterRegistry({ dataDirs, stanza, ...(readBackups ? { readBackups } : {}) });
    const server = await startExporterServer(registry, host, port).catch((err: NodeJS.ErrnoException) => {
      throw new GardenError('PORT_IN_USE', `gardenos exporter cannot listen on ${host}:${port}: ${err.message}.`, {
        hint: `free the port (\`ss -ltnp 'sport = :${port}'\`) or set monitoring.exporterPort`,
      });
    });
    ctx.err.write(`gardenos exporter listening on http://${host}:${port}/metrics\n`);
    await new Promise<void>((resolve) => {
      const stop = () => server.close(() => resolve());
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return 0;
  },
};

export default command;
