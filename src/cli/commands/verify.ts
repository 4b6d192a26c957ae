// gardenos verify
import { FAULTS, openVerifyEnv, parseFaults, parseRounds, verify, type RoundResult } from '../../ops/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command } from '../command.js';
import { colorsFor, table } from '../output.js';
import { readPlatformSpec, readSpec, specDirOf } from '../spec-source.js';

const command: Command = {
  name: 'verify',
  summary: 'prove the running platform survives faults',
  usage: `Usage: gardenos verify [--rounds N] [--faults LIST] [--json] [options]

Runs rounds on the running, healthy platform (on this machine, or on the hosts of a hosts spec). In each:
a writer inserts through the primary port every 10 ms, a prober asks every node and the primary port every
50 ms who is writable, one fault is injected and undone, and once the platform is healthy again every
acknowledged write is looked up on the primary. Killed processes are restarted the way \`gardenos up\`
does; on hosts systemd or gardenos's supervisor restarts them, and etcd-quorum-loss freezes two members
(SIGSTOP) instead of stopping them. A round is ok when no acknowledged write is lost, two nodes were never
writable at once, and the platform recovered. Its table (gardenos_verify.writes) is dropped at the end.
Ctrl-C restores what the running round froze or stopped.
Exit code: 0 every round ok, 1 a round failed, 2 the platform is not healthy or bad input, 130 interrupted.

${PLATFORM_USAGE}
      --rounds N        rounds of each fault (default 1)
      --faults LIST     comma-separated, default all in this order: ${FAULTS.join(', ')}
      --json            { ok, rounds: [{ fault, gapMs, acked, lost, doublePrimaryMs, recoverySeconds, ok, ... }] }`,
  options: { ...PLATFORM_OPTIONS, rounds: { type: 'string' }, faults: { type: 'string' }, json: { type: 'boolean' } },
  async run(ctx) {
    const faults = parseFaults(ctx.values.faults as string | undefined);
    const rounds = parseRounds(ctx.values.rounds as string | undefined);
    const { spec: fileSpec } = await readSpec(ctx);
    const controller = new AbortController();
    const stop = (sig: NodeJS.Signals) => {
      if (!controller.signal.aborted) ctx.err.write(`${sig}: restoring what this round changed, then stopping\n`);
      controller.abort();
    };
    const c = colorsFor(ctx.out, ctx.env);
    // On hosts the spec file is the platform (provision keeps the hosts converged to it); locally the stored one is.
    const env = fileSpec.hosts
      ? (await import('../../hosts/verify-env.js')).hostsVerifyEnv(fileSpec, {
          specDir: specDirOf(ctx),
          agentSocket: ctx.env.SSH_AUTH_SOCK,
          signal: controller.signal,
        })
      : openVerifyEnv(await readPlatformSpec(ctx, 'verify'), controller.signal);
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    try {
      const report = await verify(env, {
        faults,
        rounds,
        onRoundStart: ({ index, total, fault }) => ctx.err.write(`… round ${index + 1}/${total}: ${fault}\n`),
        onRoundEnd: ({ index, total, result: r }) =>
          ctx.err.write(
            `${r.ok ? c.green('✓') : c.red('✗')} round ${index + 1}/${total}: ${r.fault} — gap ${r.gapMs} ms, ${r.acked} acked, ${r.lost} lost, double primary ${r.doublePrimaryMs} ms, healthy after ${r.recoverySeconds ?? '-'} s\n`,
          ),
      });
      if (ctx.values.json) {
        ctx.out.write(JSON.stringify({ ok: report.ok, rounds: report.rounds }, null, 2) + '\n');
      } else {
        ctx.out.write(renderReport(report.rounds, c) + '\n');
        const verdict = report.interrupted
          ? c.yellow('interrupted: the running round was restored')
          : report.ok
            ? c.green(`verify ok: ${report.rounds.length} rounds, no acknowledged write lost, never two primaries`)
            : c.red(
                `verify failed: ${report.rounds.filter((r) => !r.ok).length} of ${report.rounds.length} rounds not ok${report.skipped ? `, ${report.skipped} not run (the platform did not recover)` : ''}`,
              );
        ctx.out.write(`\n${verdict}\n`);
      }
      return report.interrupted ? 130 : report.ok ? 0 : 1;
    } finally {
      await env.close();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  },
};

function renderReport(rounds: RoundResult[], c: ReturnType<typeof colorsFor>): string {
  const rows = [
    [
      'FAULT',
      'TARGET',
      'GAP MS',
      'ACKED',
      'LOST',
      'DOUBLE PRIMARY MS',
      'ENDPOINT IN RECOVERY MS',
      'HEALTHY AFTER S',
      'OK',
      'NOTE',
    ],
  ];
  for (const r of rounds) {
    rows.push([
      r.fault,
      r.target,
      String(r.gapMs),
      String(r.acked),
      String(r.lost),
      String(r.doublePrimaryMs),
      String(r.endpointInRecoveryMs),
      r.recoverySeconds === null ? '-' : r.recoverySeconds.toFixed(1),
      r.ok ? c.green('ok') : c.red('FAIL'),
      r.note,
    ]);
  }
  return table(rows);
}

export default command;
