// Checks of monitoring: the platform's Prometheus answers, and each alert firing there becomes a finding.
import type { Check, Problem } from './types.js';

export const firingAlerts: Check = {
  id: 'monitoring.alerts',
  layer: 'monitoring',
  title: "Prometheus answers and none of the platform's alert rules fires",
  async run(ctx) {
    if (!ctx.platformExists) return { skipped: `no platform in ${ctx.layout.root}` };
    const prometheus = await ctx.env.firingAlerts();
    if (!prometheus) return { skipped: 'monitoring.enabled is off' };
    const { url, read } = prometheus;
    if (!read.ok) {
      return [
        {
          severity: 'warning',
          title: `Prometheus at ${url} does not answer: no alert can fire`,
          evidence: `GET ${url}/api/v1/alerts: ${read.error}`,
          cause: 'Prometheus is stopped, still starting, or its port is taken by another program',
          fix: '`gardenos up` starts it again; `gardenos logs prometheus` says why it stopped',
        },
      ];
    }
    return read.alerts.map((a): Problem => ({
      severity: a.severity === 'critical' ? 'error' : 'warning',
      title: `alert ${a.name} is firing: ${a.summary}`,
      evidence: `GET ${url}/api/v1/alerts: ${a.name} (${a.severity}) firing${a.since ? ` since ${a.since}` : ''}`,
      cause: `the rule ${a.name} in the platform's alert rules held for its \`for:\` duration`,
      fix: a.fix || 'see docs/operations.md (Monitoring) for what this alert means',
    }));
  },
};
