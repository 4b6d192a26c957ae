// gardenos dashboard
import { userInfo } from 'node:os';
import { GardenError } from '../../errors.js';
import {
  DashboardHub,
  PgPrimaryProbe,
  PrometheusMetricsSource,
  bindDashboardPort,
  createDashboardApp,
  serveDashboard,
  startWebSide,
  monitoringOff,
  readDashboardAssets,
  readOrCreateToken,
} from '../../dashboard/index.js';
import { NodeProcessRunner, layoutOf, localPgSsl, openPlatform, readSecrets } from '../../local/index.js';
import { collectStatus, switchover } from '../../ops/index.js';
import { localAccess } from '../../ops/access.js';
import { CHECKS, liveEnv, runDoctor } from '../../ops/doctor/index.js';
import { dashboardUrl, prometheusUrl } from '../../render/index.js';
import { dashboardWebUser } from '../../local/run-as.js';
import { postgresRunAs } from '../../runtime/index.js';
import type { Spec } from '../../spec/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command, type CommandContext } from '../command.js';
import { readPlatformSpec } from '../spec-source.js';

function portOf(ctx: CommandContext, spec: Spec): number {
  const text = ctx.values.port as string | undefined;
  if (text === undefined) return spec.monitoring.dashboardPort;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw new GardenError('USAGE', `--port must be a port number (1-65535), got "${text}".`, {
      hint: 'for example --port 15007, or leave it out to use monitoring.dashboardPort',
    });
  }
  return port;
}

const command: Command = {
  name: 'dashboard',
  summary: 'serve the live dashboard',
  usage: `Usage: gardenos dashboard [--port N] [--print-url] [options]

Serves one live page on the platform's bind address: etcd and Patroni members (role, state,
timeline, lag), HAProxy, PgBouncer and router routes, leader changes with the write gap measured
through the primary endpoint, charts and firing alerts from Prometheus, doctor's findings, and a
switchover button (asks first). Every request needs the token in the state dir (0600); the page
URL with it comes from --print-url. Runs in the foreground until interrupted. As root, the web server
runs as the gardenos-dashboard user, in a process of its own that holds only the token; this one
keeps the secrets and listens on nothing. See docs/dashboard.md.

${PLATFORM_USAGE}
      --port N          listen on N (default monitoring.dashboardPort, local.basePort + 7)
      --print-url       print the URL with the token and exit (makes the token if there is none)`,
  options: { ...PLATFORM_OPTIONS, port: { type: 'string' }, 'print-url': { type: 'boolean' } },
  async run(ctx) {
    const spec = await readPlatformSpec(ctx, 'dashboard');
    const layout = layoutOf(spec.local.stateDir);
    const port = portOf(ctx, spec);
    const token = readOrCreateToken(layout.dashboardTokenFile);
    if (ctx.values['print-url']) {
      ctx.out.write(`${dashboardUrl(spec, port, token)}\n`);
      return 0;
    }
    const secrets = readSecrets(layout);
    const access = localAccess(spec, secrets);
    const platform = openPlatform(spec, new NodeProcessRunner());
    const pgUser = postgresRunAs();
    const log = (line: string) => ctx.out.write(`${new Date().toISOString()} ${line}\n`);
    const hub = new DashboardHub({
      status: () => collectStatus(platform),
      doctor: async () =>
        (
          await runDoctor(
            {
              spec,
              layout,
              heal: '`gardenos up`',
              platformExists: true,
              pgOwner: pgUser
                ? { name: pgUser.name, uid: pgUser.uid }
                : { name: userInfo().username, uid: process.getuid?.() ?? 0 },
              lagThresholdBytes: spec.postgres.maximumLagOnFailover,
              clientCidrs: [...spec.postgres.allowedClientCidrs],
              env: liveEnv({ spec, layout, secrets }),
            },
            CHECKS,
          )
        ).findings,
      probe: new PgPrimaryProbe(spec, secrets, access.primaryEndpoint, localPgSsl(spec)),
      metrics: spec.monitoring.enabled
        ? new PrometheusMetricsSource(prometheusUrl(spec), Math.max(5, spec.monitoring.scrapeIntervalS))
        : monitoringOff,
      switchover: () => switchover(access, {}),
      log,
    });
    // Checked before anything binds: as root, without its user, the dashboard does not start at all.
    const webUser = dashboardWebUser();
    const assets = readDashboardAssets();
    // Bound before any probe starts: a taken port ends the command with nothing else touched.
    const bound = await bindDashboardPort(spec.local.bindAddress, port);
    const serving: { close(): Promise<void>; exited?: Promise<string> } = webUser
      ? await startWebSide({ user: webUser, bound, token, port, assets, hub, log }).catch((err: unknown) => {
          bound.close();
          throw err;
        })
      : serveDashboard(createDashboardApp({ token, port, hub, assets }), bound);
    hub.start();
    log(
      `dashboard of ${spec.name} on ${dashboardUrl(spec, port)} (every request needs the token: \`gardenos dashboard --print-url\` prints the URL with it)`,
    );
    const ended = await new Promise<string | undefined>((resolve) => {
      process.once('SIGINT', () => resolve(undefined));
      process.once('SIGTERM', () => resolve(undefined));
      void serving.exited?.then(resolve);
    });
    log(ended ? `the web side ${ended}: stopping the dashboard` : 'stopping the dashboard');
    await Promise.all([serving.close(), hub.close()]);
    if (ended) {
      throw new GardenError('START_FAILED', `The dashboard's web side ${ended}, so the dashboard stopped.`, {
        hint: 'its error is in the dashboard log (`gardenos logs dashboard`); `gardenos up` starts the dashboard again',
      });
    }
    return 0;
  },
};

export default command;
