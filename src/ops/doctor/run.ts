// Runs the checks concurrently, each with a deadline, and collects findings in layer order.
import { describeCause } from '../../errors.js';
import { LAYERS, type Check, type DoctorContext, type Finding, type Layer } from './types.js';

export interface CheckOutcome {
  id: string;
  layer: Layer;
  title: string;
  status: 'ok' | 'problem' | 'skipped';
  reason?: string;
  ms: number;
}

export interface DoctorReport {
  name: string;
  stateDir: string;
  verdict: 'healthy' | 'warnings' | 'problems';
  findings: Finding[];
  checks: CheckOutcome[];
}

export async function runDoctor(ctx: DoctorContext, checks: readonly Check[], timeoutMs = 8000): Promise<DoctorReport> {
  const results = await Promise.all(
    checks.map(async (check) => {
      const t0 = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const res = await Promise.race([
          check.run(ctx),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return { check, res, ms: Date.now() - t0 };
      } catch (err) {
        // A check that breaks is itself a finding: doctor must never hide a layer because one probe threw.
        return { check, res: { skipped: `the check failed: ${describeCause(err)}` }, ms: Date.now() - t0 };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const findings: Finding[] = [];
  const outcomes: CheckOutcome[] = results.map(({ check, res, ms }) => {
    const base = { id: check.id, layer: check.layer, title: check.title, ms };
    if (!Array.isArray(res)) return { ...base, status: 'skipped', reason: res.skipped };
    findings.push(...res.map((p) => ({ id: check.id, layer: check.layer, ...p })));
    return { ...base, status: res.length > 0 ? 'problem' : 'ok' };
  });
  const order = (l: Layer) => LAYERS.indexOf(l);
  findings.sort(
    (a, b) => order(a.layer) - order(b.layer) || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1),
  );
  outcomes.sort((a, b) => order(a.layer) - order(b.layer));
  const verdict = findings.some((f) => f.severity === 'error')
    ? 'problems'
    : findings.length > 0
      ? 'warnings'
      : 'healthy';
  return { name: ctx.spec.name, stateDir: ctx.layout.root, verdict, findings, checks: outcomes };
}
