// What the charts and alerts area shows, built from Prometheus's answers (pure: no network here).
import type { AlertView } from '../monitoring/index.js';

export { firingAlerts, type AlertView } from '../monitoring/index.js';

/** The recording rules the platform's Prometheus evaluates; each has a `member` label. */
export const CHARTS = [
  { id: 'commits', rule: 'gardenos:commits_per_second', title: 'Commits/s', unit: '/s' },
  { id: 'lag', rule: 'gardenos:replica_lag_bytes', title: 'Replication lag', unit: 'bytes' },
  { id: 'connections', rule: 'gardenos:connections', title: 'Connections', unit: '' },
] as const;

export type ChartId = (typeof CHARTS)[number]['id'];

/** One series of a Prometheus range query (resultType matrix). */
export interface MatrixSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** uPlot's shape: x values (seconds) then one array per member, null where it had no sample. */
export interface Chart {
  id: ChartId;
  title: string;
  unit: string;
  members: string[];
  data: [number[], ...(number | null)[][]];
}

export type MonitoringView =
  | { state: 'off'; message: string }
  | { state: 'unreachable'; message: string }
  | { state: 'ok'; message: string; charts: Chart[]; alerts: AlertView[] };

/** Aligns every member's samples on the query's grid (start, start + step, ... end), as uPlot wants. */
export function alignMatrix(
  chart: (typeof CHARTS)[number],
  series: readonly MatrixSeries[],
  grid: { start: number; end: number; step: number },
): Chart {
  const xs: number[] = [];
  for (let t = grid.start; t <= grid.end + 1e-9; t += grid.step) xs.push(Math.round(t * 1000) / 1000);
  const index = new Map(xs.map((x, i) => [x, i]));
  const byMember = new Map<string, (number | null)[]>();
  for (const s of series) {
    const member = s.metric.member ?? '(no member label)';
    const row = byMember.get(member) ?? xs.map(() => null);
    for (const [t, v] of s.values) {
      const i = index.get(Math.round(t * 1000) / 1000);
      const n = Number(v);
      if (i !== undefined && Number.isFinite(n)) row[i] = n;
    }
    byMember.set(member, row);
  }
  const members = [...byMember.keys()].sort();
  return {
    id: chart.id,
    title: chart.title,
    unit: chart.unit,
    members,
    data: [xs, ...members.map((m) => byMember.get(m)!)],
  };
}
