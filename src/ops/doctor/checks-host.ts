// Checks of the spec's rendered files and the host: patroni.yml DCS section, binaries, data dirs, ports.
import { parse } from 'yaml';
import type { Check, Problem } from './types.js';

export const patroniEtcdV2: Check = {
  id: 'spec.patroni-etcd-v2',
  layer: 'spec',
  title: 'patroni.yml uses the etcd3 (v3 API) section, not the v2 `etcd:` section',
  async run(ctx) {
    const problems: Problem[] = [];
    let seen = 0;
    for (const node of ctx.spec.nodes) {
      const path = ctx.layout.patroniConfig(node.name);
      const text = ctx.env.readText(path);
      if (text === undefined) continue;
      seen++;
      let doc: Record<string, unknown>;
      try {
        doc = (parse(text) ?? {}) as Record<string, unknown>;
      } catch (err) {
        problems.push({
          severity: 'error',
          title: `${path} is not valid YAML`,
          evidence: (err as Error).message.split('\n')[0]!,
          cause: 'the file was edited by hand',
          fix: 'run `gardenos up` to render it again from the spec',
        });
        continue;
      }
      if ('etcd' in doc || !('etcd3' in doc)) {
        problems.push({
          severity: 'error',
          title: `patroni.yml of ${node.name} ${'etcd' in doc ? 'has a v2 `etcd:` section' : 'has no `etcd3:` section'}`,
          evidence: `${path}: top-level keys ${Object.keys(doc).join(', ')}`,
          cause:
            'the `etcd:` section speaks the etcd v2 API, which etcd 3.4+ disables and 3.6 removes: Patroni never sees the cluster (PATRONI_ETCD_HOSTS instead of PATRONI_ETCD3_HOSTS is the same mistake)',
          fix: 'use an `etcd3:` section (env PATRONI_ETCD3_HOSTS); for this platform run `gardenos up`, which renders etcd3 and restarts nothing else',
        });
      }
    }
    return seen === 0 ? { skipped: 'no patroni.yml written yet' } : problems;
  },
};

export const binaries: Check = {
  id: 'host.binaries',
  layer: 'host',
  title: 'etcd, Patroni, HAProxy, PostgreSQL installed in supported versions; pgBackRest, pg_dump',
  async run(ctx) {
    const { problems, hint } = ctx.env.binaryProblems();
    const out: Problem[] = problems.map((p) => ({
      severity: 'error',
      title: p,
      evidence: p,
      cause: 'the platform runs these programs directly',
      fix: hint,
    }));
    for (const t of ctx.env.optionalTools()) {
      if (!t.found)
        out.push({
          severity: 'warning',
          title: `${t.name} is not installed`,
          evidence: `${t.name} not on PATH`,
          cause: `${t.purpose} needs it`,
          fix: t.install,
        });
    }
    return out;
  },
};

/** Files that hold passwords or private keys: their owner's alone. */
export const secretFiles: Check = {
  id: 'host.secret-files',
  layer: 'host',
  title: 'secrets.json and the private keys are readable by their owner only (mode 0600)',
  async run(ctx) {
    if (!ctx.platformExists) return { skipped: `no platform in ${ctx.layout.root}` };
    const certs = ctx.layout.certsDir;
    const files = [
      ctx.layout.secretsFile,
      ...(ctx.spec.etcd.scheme === 'https'
        ? [
            `${certs}/ca.key`,
            ...ctx.spec.etcd.members.map((m) => `${certs}/etcd-${m.name}.key`),
            `${certs}/patroni.key`,
            `${certs}/router.key`,
            `${certs}/gardenos.key`,
          ]
        : []),
    ];
    const problems: Problem[] = [];
    for (const file of files) {
      const st = ctx.env.stat(file);
      if (!st || (st.mode & 0o077) === 0) continue;
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      problems.push({
        severity: 'error',
        title: `${file} is readable by ${st.mode & 0o007 ? 'every local user' : 'its group'} (mode ${mode})`,
        evidence: `${file}: uid ${st.uid}, gid ${st.gid}, mode ${mode}`,
        cause:
          'it holds the superuser password or a private key: whoever reads it can log in to PostgreSQL as superuser, or write to etcd and so run commands as postgres',
        fix: `chmod 600 ${file}; then change what may have been read (for secrets.json, the passwords: recreate the platform, or ALTER ROLE ... PASSWORD)`,
      });
    }
    return problems;
  },
};

export const dataDirs: Check = {
  id: 'host.data-dir',
  layer: 'host',
  title: 'PostgreSQL data dirs belong to the PostgreSQL user with mode 0700 or 0750',
  async run(ctx) {
    const problems: Problem[] = [];
    let seen = 0;
    for (const node of ctx.spec.nodes) {
      const dir = ctx.layout.pgDataDir(node.name);
      const st = ctx.env.stat(dir);
      if (!st) continue;
      seen++;
      const mode = st.mode & 0o777;
      const badOwner = st.uid !== ctx.pgOwner.uid;
      const badMode = mode !== 0o700 && mode !== 0o750;
      if (!badOwner && !badMode) continue;
      problems.push({
        severity: 'error',
        title: `data dir of ${node.name} has ${[badOwner ? `owner uid ${st.uid}` : '', badMode ? `mode ${mode.toString(8)}` : ''].filter(Boolean).join(' and ')}`,
        evidence: `${dir}: uid ${st.uid}, gid ${st.gid}, mode ${mode.toString(8).padStart(4, '0')}; PostgreSQL runs as ${ctx.pgOwner.name} (uid ${ctx.pgOwner.uid})`,
        cause:
          'PostgreSQL refuses a data dir it does not own or that others can read ("data directory has invalid permissions"); initdb fails the same way on a volume mounted root-owned',
        fix: `chown -R ${ctx.pgOwner.name} ${dir} && chmod 700 ${dir} (in Kubernetes: securityContext.fsGroup or an initContainer that chowns the volume)`,
      });
    }
    return seen === 0 ? { skipped: 'no data dir yet' } : problems;
  },
};

export const portsInUse: Check = {
  id: 'host.ports-in-use',
  layer: 'host',
  title: 'ports of components that are not running are free',
  async run(ctx) {
    const problems: Problem[] = [];
    const host = ctx.spec.local.bindAddress;
    const components = [
      ...ctx.spec.etcd.members.map((m) => ({ id: `etcd-${m.name}`, ports: [m.clientPort, m.peerPort] })),
      ...ctx.spec.nodes.map((n) => ({ id: `patroni-${n.name}`, ports: [n.pgPort, n.apiPort] })),
      {
        id: 'haproxy',
        ports: [ctx.spec.haproxy.primaryPort, ctx.spec.haproxy.replicaPort, ctx.spec.haproxy.statsPort],
      },
    ];
    for (const c of components) {
      if (ctx.platformExists && ctx.env.processRunning(c.id)) continue;
      const taken: number[] = [];
      for (const port of c.ports) if (!(await ctx.env.portFree(port))) taken.push(port);
      if (taken.length === 0) continue;
      const many = taken.length > 1;
      problems.push({
        severity: 'error',
        title: `port${many ? 's' : ''} ${taken.join(', ')} of ${c.id} ${many ? 'are' : 'is'} taken by another process`,
        evidence: `${c.id} is not running, but ${taken.map((p) => `${host}:${p}`).join(', ')} ${many ? 'are' : 'is'} already bound`,
        cause:
          'another program (or a leftover process of an old platform) holds the port, so this component cannot start',
        fix: `find the owner with \`ss -ltnp 'sport = :${taken[0]}'\` and stop it, or move the platform with --base-port`,
      });
    }
    return problems;
  },
};
