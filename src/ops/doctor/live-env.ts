// DoctorEnv on the real machine: files, sockets, etcd, Patroni, HAProxy, PostgreSQL, Docker, kubectl.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFiringAlerts } from '../../monitoring/index.js';
import { networkInterfaces, userInfo } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import { connect as netConnect } from 'node:net';
import pg from 'pg';
import { etcdMembersStatus, fastEtcdClient, readScope } from '../../dcs/index.js';
import { describeCause, isGardenError } from '../../errors.js';
import { showServers } from '../../haproxy/index.js';
import {
  BinariesMissingError,
  checkBinaries,
  etcdTlsFiles,
  isPortFree,
  kernelRouteState,
  localClusterReader,
  localServerCa,
  readStartTime,
  type Layout,
} from '../../local/index.js';
import { acceptsPlaintext, findOnPath, withPg } from '../../runtime/index.js';
import { listeningPids, parseUids } from '../../runtime/proc-table.js';
import { readPoolerAuth } from '../../pooler/index.js';
import { request } from '../../net/http.js';
import { etcdClientUrls, type PgAddress, type PlatformSecrets } from '../../render/index.js';
import type { Spec } from '../../spec/index.js';
import { execKubectl, readLiveObjects, readManifestDir } from './kube-objects.js';
import { localPoolerStatus, monitoringEndpoints } from '../status.js';
import type { ArchiverStat, DockerFacts, DoctorEnv, Maybe } from './types.js';

export interface LiveEnvOptions {
  spec: Spec;
  layout: Layout;
  secrets?: PlatformSecrets;
  manifestsDir?: string;
  kubeconfig?: string;
}

const maybe = async <T>(fn: () => Promise<T>): Promise<Maybe<T>> => {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, error: describeCause(err) };
  }
};

/**
 * Whether a failed handshake still came from a TLS server, by Node's code for the OpenSSL reason
 * (ERR_SSL_<REASON>): an alert or a certificate demand is TLS talking; a record that is not TLS at
 * all (wrong version number, packet length) is a plain server; anything else is no proof either way.
 */
export function handshakeErrorMeansTls(code: string | undefined): boolean {
  if (!code?.startsWith('ERR_SSL_')) return false;
  return /ALERT|CERTIFICATE|HANDSHAKE_FAILURE/.test(code) && !/WRONG_VERSION_NUMBER|PACKET_LENGTH/.test(code);
}

export function speaksTls(host: string, port: number, timeoutMs = 1500): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const tcp = netConnect({ host, port });
    tcp.setTimeout(timeoutMs, () => {
      tcp.destroy();
      resolve(undefined);
    });
    tcp.once('error', () => resolve(undefined));
    tcp.once('connect', () => {
      // A TLS server answers a ClientHello with a ServerHello; a plain HTTP server answers 400 or closes.
      const tls = tlsConnect({ socket: tcp, rejectUnauthorized: false, servername: undefined });
      tls.once('secureConnect', () => {
        tls.destroy();
        resolve(true);
      });
      tls.once('error', (err: NodeJS.ErrnoException) => {
        tls.destroy();
        // A TLS server demanding a client certificate still proves it speaks TLS.
        resolve(handshakeErrorMeansTls(err.code));
      });
    });
  });
}

function dockerFacts(): DockerFacts | undefined {
  if (!findOnPath('docker')) return undefined;
  const socketPath = '/var/run/docker.sock';
  const groupLine = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('docker:'));
  const ifaces = networkInterfaces();
  const facts: DockerFacts = {
    socketPath,
    isRoot: process.getuid?.() === 0,
    groupMembers: groupLine?.split(':')[3]?.split(',').filter(Boolean) ?? [],
    userName: userInfo().username,
    processGroups: process.getgroups?.() ?? [],
  };
  if (groupLine) facts.dockerGid = Number(groupLine.split(':')[2]);
  if (existsSync(socketPath)) facts.socketGid = statSync(socketPath).gid;
  if (existsSync('/sys/class/net/docker0'))
    facts.docker0 = { ipv4: (ifaces.docker0 ?? []).filter((a) => a.family === 'IPv4').map((a) => a.cidr ?? a.address) };
  return facts;
}

/** pg_stat_archiver on the server behind a session. */
export async function readArchiver(client: pg.Client): Promise<ArchiverStat> {
  const r = await client.query<{
    archived: string;
    failed: string;
    law: string | null;
    lat: Date | null;
    lfw: string | null;
    lft: Date | null;
  }>(
    'SELECT archived_count AS archived, failed_count AS failed, last_archived_wal AS law, last_archived_time AS lat, last_failed_wal AS lfw, last_failed_time AS lft FROM pg_stat_archiver',
  );
  const a = r.rows[0]!;
  return {
    archived: Number(a.archived),
    failed: Number(a.failed),
    lastArchivedWal: a.law,
    lastArchivedTime: a.lat?.toISOString() ?? null,
    lastFailedWal: a.lfw,
    lastFailedTime: a.lft?.toISOString() ?? null,
  };
}

export function liveEnv(opts: LiveEnvOptions): DoctorEnv {
  const { spec, layout } = opts;
  // gardenos's own client certificate when etcd asks for one (etcd.scheme https).
  const etcdTls = spec.etcd.scheme === 'https' ? etcdTlsFiles(layout.certsDir, 'gardenos') : undefined;
  // The platform's CA when PostgreSQL and the REST APIs serve TLS (postgres.tls).
  const serverCa = localServerCa(spec, layout.certsDir)?.ca;
  const superuserSession = (at: number | PgAddress, ssl: pg.ClientConfig['ssl']): pg.Client => {
    const { host, port } = typeof at === 'number' ? { host: spec.local.bindAddress, port: at } : at;
    const client = new pg.Client({
      host,
      port,
      user: spec.postgres.superuser,
      password: opts.secrets?.superuserPassword,
      database: 'postgres',
      ssl,
      connectionTimeoutMillis: 2000,
      query_timeout: 2000,
      application_name: 'gardenos-doctor',
    });
    client.on('error', () => undefined);
    return client;
  };
  const platformSsl = serverCa ? { ca: serverCa } : false;
  return {
    readText: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    stat: (path) => {
      try {
        const s = statSync(path);
        return { uid: s.uid, gid: s.gid, mode: s.mode };
      } catch {
        return undefined;
      }
    },
    speaksTls: (host, port) => speaksTls(host, port),
    etcdStatus: (urls) => etcdMembersStatus(urls, 1500, etcdTls),
    dcsScope: (prefix) =>
      maybe(async () => {
        const client = fastEtcdClient(etcdClientUrls(spec), 2000, etcdTls);
        try {
          return await readScope(client, prefix);
        } finally {
          client.close();
        }
      }),
    readCluster: () => localClusterReader(spec, 1500).read(),
    patroniAnswers: async (url) => {
      try {
        await request(`${url}/patroni`, { timeoutMs: 1500, ...(serverCa ? { tls: { ca: serverCa } } : {}) });
        return true;
      } catch {
        return false;
      }
    },
    haproxyServers: (socket) => maybe(() => showServers(socket)),
    poolers: async () => {
      const p = await localPoolerStatus(spec, opts.layout, true);
      return p ? [p] : null;
    },
    poolerAuth: async () => {
      if (!spec.pooler.enabled) return null;
      const secrets = opts.secrets;
      if (!secrets) return { ok: false, error: 'no secrets: the platform was never started' };
      const ssl = serverCa ? { ca: serverCa } : {};
      return maybe(() =>
        readPoolerAuth((database, fn) => withPg(spec, secrets, spec.haproxy.primaryPort, fn, { ...ssl, database })),
      );
    },
    kernelRoute: () => kernelRouteState(spec),
    firingAlerts: async () => {
      const url = monitoringEndpoints(spec).prometheus;
      // Doctor runs every check at once: on a busy machine its own event loop can hold a 1.5 s read past its deadline.
      return url ? { url, read: await readFiringAlerts(url, 5000) } : null;
    },
    pgArchiver: (port) =>
      maybe(async () => {
        if (!opts.secrets) throw new Error('no secrets: the platform was never started');
        const client = superuserSession(port, platformSsl);
        try {
          await client.connect();
          return await readArchiver(client);
        } finally {
          await client.end().catch(() => undefined);
        }
      }),
    pgProbe: async (at) => {
      if (!opts.secrets) return { ok: false, error: { message: 'no secrets: the platform was never started' } };
      const client = superuserSession(at, platformSsl);
      try {
        await client.connect();
        const r = await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
        return { ok: true, value: { inRecovery: r.rows[0]!.r } };
      } catch (err) {
        const e = err as { code?: string; message: string };
        return { ok: false, error: { ...(e.code ? { code: e.code } : {}), message: e.message } };
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    pgAcceptsPlaintext: async (at) => (opts.secrets ? acceptsPlaintext(spec, opts.secrets, at) : undefined),
    portFree: (port) => isPortFree(spec.local.bindAddress, port),
    listeners: (port) =>
      listeningPids(port).flatMap((pid) => {
        const uids = parseUids(readFileSync(`/proc/${pid}/status`, 'utf8'));
        return uids ? [{ pid, uids }] : [];
      }),
    processRunning: (id) => {
      try {
        const rec = JSON.parse(readFileSync(layout.pidFile(id), 'utf8')) as { pid: number; startTime: string };
        return readStartTime(rec.pid) === rec.startTime;
      } catch {
        return false;
      }
    },
    binaryProblems: () => {
      try {
        checkBinaries(spec.postgres.version);
        return { problems: [], hint: '' };
      } catch (err) {
        if (err instanceof BinariesMissingError) return { problems: [...err.problems], hint: err.hint };
        return { problems: [describeCause(err)], hint: isGardenError(err) ? err.hint : 'run `gardenos setup`' };
      }
    },
    optionalTools: () =>
      [
        {
          name: 'pgbackrest',
          purpose: '`gardenos backup` and `restore`',
          install: 'sudo apt-get install -y pgbackrest',
        },
        {
          name: 'pg_dump',
          purpose: '`gardenos migrate`',
          install: `sudo apt-get install -y postgresql-client-${spec.postgres.version}`,
        },
      ].map((t) => ({ ...t, found: findOnPath(t.name) !== undefined })),
    docker: dockerFacts,
    kubeObjects: async () => {
      if (opts.manifestsDir) return readManifestDir(opts.manifestsDir);
      if (opts.kubeconfig) {
        const kubectl = findOnPath('kubectl');
        if (!kubectl) return { ok: false, error: 'kubectl is not installed' };
        return readLiveObjects(opts.kubeconfig, execKubectl(kubectl));
      }
      return undefined;
    },
  };
}
