// Renders Alertmanager's configuration: one route, grouped by alert and member, to the spec's webhooks.
// Pure. The webhook URLs may carry a token, so the file is written for Alertmanager's user only.
import { stringify } from 'yaml';
import type { Spec } from '../spec/index.js';
import { GENERATED_HEADER } from './topology.js';

export const ALERTMANAGER_RECEIVER = 'gardenos-webhooks';

export function buildAlertmanagerConfig(spec: Spec): Record<string, unknown> {
  const a = spec.monitoring.alertmanager;
  return {
    route: {
      receiver: ALERTMANAGER_RECEIVER,
      // One post per alert and member: EtcdMemberDown of etcd2 and of etcd3 are two separate troubles.
      group_by: ['alertname', 'member'],
      group_wait: `${a.groupWaitS}s`,
      group_interval: `${a.groupIntervalS}s`,
      repeat_interval: `${a.repeatIntervalS}s`,
    },
    receivers: [
      {
        name: ALERTMANAGER_RECEIVER,
        // No webhook: Alertmanager still keeps the alerts, its silences and its API (amtool, the web UI).
        ...(a.webhooks.length > 0
          ? { webhook_configs: a.webhooks.map((url) => ({ url, send_resolved: true, max_alerts: 0 })) }
          : {}),
      },
    ],
  };
}

export function renderAlertmanagerConfig(spec: Spec): string {
  return `# ${GENERATED_HEADER}\n` + stringify(buildAlertmanagerConfig(spec), { lineWidth: 0 });
}
