// gardenos doctor
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { GardenError } from '../../errors.js';
import { layoutOf, readSecrets, readStateMarker, readStoredSpec } from '../../local/index.js';
import { postgresRunAs } from '../../runtime/index.js';
import { CHECKS, HOSTS_CHECKS, LAYERS, liveEnv, runDoctor, type DoctorReport } from '../../ops/doctor/index.js';
import { isValidCidr } from '../../spec/index.js';
import { PLATFORM_OPTIONS, PLATFORM_USAGE, type Command, type CommandContext } from '../command.js';
import { colorsFor } from '../output.js';
import { readSpec, specDirOf } from '../spec-source.js';

function render(report: DoctorReport, ctx: CommandContext): string {
  const c = colorsFor(ctx.out, ctx.env);
  const out: string[] = [`gardenos doctor: ${report.name} (${report.stateDir})`, ''];
  for (const layer of LAYERS) {
    const checks = report.checks.filter((x) => x.layer === layer);
    if (checks.length === 0) continue;
    out.push(c.bold(layer));
    for (const check of checks) {
      const mark = check.status === 'ok' ? c.green('✓') : check.status === 'skipped' ? c.dim('-') : c.red('✗');
      out.push(
        `  ${mark} ${check.id.padEnd(28)} ${check.status === 'skipped' ? c.dim(`skipped: ${check.reason ?? ''}`) : check.title}`,
      );
      for (const f of report.findings.filter((x) => x.id === check.id)) {
        out.push(
          `      ${f.severity === 'error' ? c.red('error') : c.yellow('warning')}: ${f.title}`,
          `        evidence: ${f.evidence}`,
          `        cause:    ${f.cause}`,
          `        fix:      ${f.fix}`,
        );
      }
    }
  }
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  out.push(
    '',
    report.verdict === 'healthy'
      ? c.green('No problems found.')
      : `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`,
  );
  return out.join('\n') + '\n';
}

const command: Command = {
  name: 'doctor',
  summary: 'diagnose the platform layer by layer',
  usage: `Usage: gardenos doctor [--json] [--manifests DIR] [--kubeconfig FILE] [--client-cidr CIDR]... [options]

Runs every check (spec, host, etcd, DCS, Patroni, replication, routing, Kubernetes objects, Docker)
and prints each finding with its evidence, cause and fix. docs/doctor.md lists the checks.
With a hosts spec it checks the hosts: SSH with the pinned keys, their services and clocks, etcd and
Patroni over TLS, and every host's HAProxy.
Exit code: 0 no errors (warnings allowed), 1 errors found, 2 doctor itself could not run.

${PLATFORM_USAGE}
      --json              machine-readable report
      --manifests DIR     check Kubernetes objects in these YAML/JSON files
      --kubeconfig FILE   check a live Kubernetes cluster (read-only kubectl get)
      --client-cidr CIDR  a client network pg_hba must admit (repeatable), e.g. a pod network
      --lag-threshold N   replica lag in bytes that counts as a problem (default postgres.maximumLagOnFailover)`,
  options: {
    ...PLATFORM_OPTIONS,
    json: { type: 'boolean' },
    manifests: { type: 'string' },
    kubeconfig: { type: 'string' },
    'client-cidr': { type: 'string', multiple: true },
    'lag-threshold': { type: 'string' },
  },
  async run(ctx) {
    const { spec: fileSpec } = await readSpec(ctx);
    const layout = layoutOf(fileSpec.local.stateDir);
    const platformExists = readStateMarker(layout) !== undefined;
    const spec = (platformExists ? await readStoredSpec(layout) : undefined) ?? fileSpec;
    const extraCidrs = (ctx.values['client-cidr'] as string[] | undefined) ?? [];
    const badCidr = extraCidrs.find((x) => !isValidCidr(x));
    if (badCidr)
      throw new GardenError('USAGE', `--client-cidr "${badCidr}" is not an IPv4 CIDR.`, {
        hint: 'for example --client-cidr 172.21.0.0/16',
      });
    const lagText = ctx.values['lag-threshold'] as string | undefined;
    if (lagText !== undefined && !/^\d+$/.test(lagText))
      throw new GardenError('USAGE', `--lag-threshold must be a number of bytes, got "${lagText}".`, {
        hint: 'for example --lag-threshold 1048576',
      });
    const manifests = ctx.values.manifests as string | undefined;
    if (manifests !== undefined && !existsSync(resolve(ctx.cwd, manifests))) {
      throw new GardenError('USAGE', `--manifests ${manifests} does not exist.`, {
        hint: 'give a directory of Kubernetes YAML or JSON files',
      });
    }
    const kubeconfig = ctx.values.kubeconfig as string | undefined;
    const pgUser = postgresRunAs();
    const local = {
      spec,
      layout,
      ...(existsSync(layout.secretsFile) ? { secrets: readSecrets(layout) } : {}),
      ...(manifests !== undefined ? { manifestsDir: resolve(ctx.cwd, manifests) } : {}),
      ...(kubeconfig !== undefined ? { kubeconfig: resolve(ctx.cwd, kubeconfig) } : {}),
    };
    // On the hosts target the platform is what provision set up from this machine: SSH and the network show it.
    const hostsParts = spec.hosts
      ? await (
          await import('../../hosts/doctor-env.js')
        ).hostsDoctorParts(spec, { specDir: specDirOf(ctx), agentSocket: ctx.env.SSH_AUTH_SOCK, local })
      : undefined;
    const report = await runDoctor(
      {
        spec,
        layout,
        heal: hostsParts ? '`gardenos provision`' : '`gardenos up`',
        platformExists: hostsParts !== undefined || platformExists,
        pgOwner: pgUser
          ? { name: pgUser.name, uid: pgUser.uid }
          : { name: userInfo().username, uid: process.getuid?.() ?? 0 },
        lagThresholdBytes: lagText !== undefined ? Number(lagText) : spec.postgres.maximumLagOnFailover,
        clientCidrs: [...new Set([...spec.postgres.allowedClientCidrs, ...extraCidrs])],
        env: hostsParts?.env ?? liveEnv(local),
        ...(hostsParts ? { hosts: hostsParts.hosts } : {}),
      },
      hostsParts ? HOSTS_CHECKS : CHECKS,
    );
    ctx.out.write(ctx.values.json ? JSON.stringify(report, null, 2) + '\n' : render(report, ctx));
    return report.verdict === 'problems' ? 1 : 0;
  },
};

export default command;
