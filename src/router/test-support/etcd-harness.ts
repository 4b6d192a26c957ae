// One real etcd member on loopback with a temp data dir, that a test can SIGKILL and restart on the same dir and ports.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fastEtcdClient } from '../../dcs/index.js';
import { freePort, requireBinary, startChild, waitFor, type Child } from '../../../test/support/processes.js';

export const ETCD_INSTALL = 'sudo apt-get install -y etcd-server etcd-client';

export interface EtcdHarness {
  clientUrl: string;
  /** SIGKILL: no clean shutdown, as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same data dir and ports, and waits until it serves reads. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEtcd(): Promise<EtcdHarness> {
  const etcd = requireBinary('etcd', ETCD_INSTALL);
  const dir = await mkdtemp(join(tmpdir(), 'gardenos-router-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name',
    'router-test',
    '--data-dir',
    join(dir, 'data'),
    '--listen-client-urls',
    clientUrl,
    '--advertise-client-urls',
    clientUrl,
    '--listen-peer-urls',
    peerUrl,
    '--initial-advertise-peer-urls',
    peerUrl,
    '--initial-cluster',
    `router-test=${peerUrl}`,
    '--initial-cluster-state',
    'new',
    // A lone member still waits one election timeout before it leads; keep that short.
    '--heartbeat-interval',
    '25',
    '--election-timeout',
    '150',
    '--logger',
    'zap',
    '--log-level',
    'error',
  ];
  let child: Child | undefined;
  const launch = async () => {
    const c = startChild(etcd, args);
    child = c;
    const client = fastEtcdClient(clientUrl, 300);
    try {
      await waitFor(
        'etcd to serve reads',
        async () => {
          if (c.process.exitCode !== null) throw new Error(`etcd exited: ${c.output()}`);
          await client.get('health-probe').exec();
          return true;
        },
        10_000,
      );
    } catch (err) {
      await c.stop();
      throw new Error(`${(err as Error).message}\netcd output:\n${c.output()}`);
    } finally {
      client.close();
    }
  };
  try {
    await launch();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    clientUrl,
    kill: async () => child?.kill('SIGKILL'),
    restart: launch,
    async stop() {
      await child?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
