// User services under the local supervisor: their launch specs (through the keeper) and a health probe.
import { dirname } from 'node:path';
import { pgTlsOn } from '../render/topology.js';
import type { Spec } from '../spec/index.js';
import { localPkiAt } from './certs.js';
import type { Layout } from './layout.js';
import type { Probe } from '../runtime/index.js';
import type { ComponentSpec } from './supervised-process.js';
import type { OsUser } from '../runtime/os-user.js';
import { appRole } from '../render/topology.js';

import { SERVICE_KEEPER as KEEPER } from '../runtime/install-paths.js';

/**
 * One 'service' component per services[] entry with a command. The pid file holds the keeper, which
 * restarts the service when it exits and stops it on SIGTERM; `gardenos logs <name>` shows both.
 */
export function buildServiceComponents(
  spec: Spec,
  layout: Layout,
  baseEnv: Record<string, string>,
  user?: OsUser,
): ComponentSpec[] {
  const host = spec.local.bindAddress;
  // A spec stored by a gardenos from before the app layer has no services key (status/down read it).
  const services = (spec.services as Spec['services'] | undefined) ?? [];
  return services
    .filter((s) => s.command)
    .map((s): ComponentSpec => {
      const id = `service-${s.name}`;
      return {
        id,
        kind: 'service',
        member: s.name,
        pidFile: layout.pidFile(id),
        ports: [s.port],
        launch: {
          command: process.execPath,
          args: [
            KEEPER,
            '--name',
            s.name,
            '--password-file',
            layout.appPasswordFile,
            '--user',
            appRole(spec).role,
            '--database',
            appRole(spec).database,
            '--primary',
            `${host}:${spec.haproxy.primaryPort}`,
            '--replicas',
            `${host}:${spec.haproxy.replicaPort}`,
            '--needs',
            s.needs.join(','),
            ...(pgTlsOn(spec) ? ['--ca', localPkiAt(layout.certsDir).caFile] : []),
            '--',
            ...s.command!,
          ],
          // node itself first on PATH, so a service command of `node ...` finds the same runtime.
          env: {
            ...baseEnv,
            PATH: `${dirname(process.execPath)}:${baseEnv.PATH ?? ''}`,
            HOME: layout.servicesDir,
            ...s.env,
            PORT: String(s.port),
            HOST: host,
          },
          cwd: s.cwd ?? layout.servicesDir,
          logFile: layout.logFile(id),
          // The keeper too: it reads only the app role's password, never the superuser's.
          ...(user ? { user: { uid: user.uid, gid: user.gid } } : {}),
        },
      };
    });
}

/** Every local service answers 200 on its health path. */
export function servicesHealthyProbe(spec: Spec): Probe {
  const local = spec.services.filter((s) => s.command);
  return async () => {
    const sick: string[] = [];
    for (const s of local) {
      const url = `http://${spec.local.bindAddress}:${s.port}${s.healthPath}`;
      const res = await fetch(url, { signal: AbortSignal.timeout(1500) }).catch((err: Error) => err);
      if (res instanceof Error || res.status !== 200)
        sick.push(`${s.name} (${res instanceof Error ? res.message : `HTTP ${res.status}`})`);
    }
    return sick.length === 0 ? undefined : `services not healthy yet: ${sick.join(', ')}`;
  };
}
