// The files `gardenos up` writes before it starts anything: certificates, etcd's and PostgreSQL's
// directories, each node's patroni.yml, pgBackRest's and PgBouncer's files, HAProxy's config.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  archiveCommand,
  localTopology,
  pgTlsOn,
  renderHaproxyConfig,
  renderPatroniConfig,
  type PlatformSecrets,
} from '../render/index.js';
import { ensureOwnedDir, ensureOwnedTree, writeAtomic } from '../runtime/index.js';
import { PATRONI_LAUNCHER } from '../runtime/install-paths.js';
import { writeBackupFiles } from './backup-files.js';
import type { Binaries } from './binaries.js';
import { ensureLocalPki, etcdTlsFiles, localPkiAt, needsLocalPki, patroniServerTls } from './certs.js';
import type { LocalPlatform } from './platform.js';
import { poolerOsUser, writePoolerConfigs } from './pooler.js';
import type { RunAs } from './run-as.js';
import { writeMonitoringConfigs } from './monitoring-files.js';

export function writeConfigs(
  platform: LocalPlatform,
  binaries: Binaries,
  secrets: PlatformSecrets,
  runAs: RunAs | undefined,
): void {
  const { spec, layout } = platform;
  const topology = localTopology(spec);
  const pgUser = runAs?.postgres;
  if (needsLocalPki(spec)) ensureLocalPki(spec, layout.certsDir, runAs);
  // etcd's data: its user's alone. A platform started by an older gardenos, as root, is handed over.
  ensureOwnedDir(dirname(layout.etcdDataDir('x')), 0o755);
  for (const member of topology.etcd) ensureOwnedTree(layout.etcdDataDir(member.name), 0o700, runAs?.infra);
  const etcdTls = spec.etcd.scheme === 'https' ? etcdTlsFiles(layout.certsDir, 'patroni') : undefined;
  // The parent of the node dirs must stay enterable by the PostgreSQL user (0755, ours).
  ensureOwnedDir(dirname(layout.nodeDir('x')), 0o755);
  const backup = writeBackupFiles(spec, layout, pgUser);
  // PgBouncer's way to the servers: PostgreSQL's socket there, reachable by PgBouncer's group only.
  // The PostgreSQL exporter reaches the servers the same way, as the same (infrastructure) user.
  const pooler =
    spec.pooler.enabled || spec.monitoring.enabled
      ? {
          ...(spec.pooler.enabled ? { poolerOsUser: poolerOsUser(runAs) } : {}),
          ...(spec.monitoring.enabled ? { monitorOsUser: poolerOsUser(runAs) } : {}),
          poolerSocketDir: layout.pgSocketDir,
        }
      : undefined;
  if (pooler) {
    ensureOwnedDir(
      layout.pgSocketDir,
      runAs ? 0o750 : 0o700,
      runAs ? { ...runAs.postgres, gid: runAs.infra.gid } : undefined,
    );
    if (spec.pooler.enabled) writePoolerConfigs(spec, layout, runAs);
  }
  if (spec.monitoring.enabled) writeMonitoringConfigs(spec, layout, runAs);
  if (binaries.patroniPython) writeAtomic(layout.patroniLauncher, readFileSync(PATRONI_LAUNCHER, 'utf8'), 0o644);
  for (const node of topology.nodes) {
    ensureOwnedDir(layout.nodeDir(node.name), 0o700, pgUser);
    ensureOwnedDir(layout.nodeRunDir(node.name), 0o700, pgUser);
    const text = renderPatroniConfig({
      spec,
      topology,
      node,
      secrets,
      dataDir: layout.pgDataDir(node.name),
      binDir: binaries.pgBinDir,
      runDir: layout.nodeRunDir(node.name),
      ...(etcdTls ? { etcdTls } : {}),
      ...patroniServerTls(spec, layout.certsDir, node.name),
      ...(backup ? { archiveCommand: archiveCommand(spec, backup) } : {}),
      ...pooler,
    });
    // It holds passwords: readable by the PostgreSQL user only.
    writeAtomic(layout.patroniConfig(node.name), text, 0o600, pgUser);
  }
  // HAProxy (as its user) creates its admin socket in here.
  ensureOwnedDir(layout.haproxyDir, 0o755, runAs?.infra);
  writeAtomic(
    layout.haproxyConfig,
    renderHaproxyConfig({
      spec,
      topology,
      adminSocket: layout.adminSocket,
      host: spec.local.bindAddress,
      // Its health checks ask Patroni's REST API, over https unless postgres.tls is off.
      ...(pgTlsOn(spec) ? { checkCaFile: localPkiAt(layout.certsDir).caFile } : {}),
    }),
    0o644,
  );
}
