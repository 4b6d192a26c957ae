// monitoring.alertmanager: Prometheus's alerts sent on, to webhooks, by Debian's Alertmanager (local target).
import { z } from 'zod';
import { port, seconds } from './fields.js';

export const alertmanagerSpec = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'Run Alertmanager (Debian prometheus-alertmanager) with the platform: Prometheus sends it every alert, and it posts them to the webhooks (local target)',
      ),
    port: port.optional().describe('Alertmanager port (default: local.basePort + 9)'),
    webhooks: z
      .array(
        z
          .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
          .describe('A URL that receives Alertmanager webhook posts (JSON, version 4)'),
      )
      .max(10)
      .default([])
      .describe(
        'Where Alertmanager posts firing and resolved alerts (Alertmanager webhook JSON); the config holding them is readable by its user only',
      ),
    groupWaitS: seconds(0, 600)
      .default(10)
      .describe('How long Alertmanager waits to gather alerts of one group before the first post'),
    groupIntervalS: seconds(1, 3600)
      .default(60)
      .describe('How long it waits before posting a change (a new or resolved alert) of a group already posted'),
    repeatIntervalS: seconds(60, 7 * 24 * 3600)
      .default(4 * 3600)
      .describe('How long before an alert still firing is posted again'),
  })
  .prefault({});
