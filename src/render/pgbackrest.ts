// Renders pgbackrest.conf and the pgBackRest commands Patroni runs (archive_command, restore bootstrap). Pure.
import type { Spec } from '../spec/index.js';
import { GENERATED_HEADER, type Topology } from './topology.js';

export interface PgbackrestPaths {
  configFile: string;
  logDir: string;
  lockDir: string;
  /** Per node: data dir, socket dir. */
  node(name: string): { dataDir: string; runDir: string };
}

/** The stanza is the Patroni scope: one repository history per cluster. */
export const stanzaOf = (spec: Spec) => spec.name;

/**
 * One config for all nodes. pg1-* names the first node; commands that must reach the current leader
 * override pg1-* on the command line (leaderOptions), so the file need not change on failover.
 */
export function renderPgbackrestConfig(spec: Spec, topology: Topology, paths: PgbackrestPaths): string {
  if (!spec.backup) throw new Error('renderPgbackrestConfig needs backup.enabled');
  const first = topology.nodes[0]!;
  return [
    `# ${GENERATED_HEADER}`,
    '[global]',
    `repo1-path=${spec.backup.repoPath}`,
    `repo1-retention-full=${spec.backup.retentionFull}`,
    `log-path=${paths.logDir}`,
    `lock-path=${paths.lockDir}`,
    'log-level-console=warn',
    'log-level-file=info',
    // Without start-fast a backup waits for the next checkpoint (up to checkpoint_timeout).
    'start-fast=y',
    '',
    `[${stanzaOf(spec)}]`,
    ...pgOptions(spec, first.name, first.pgPort, paths).map(([k, v]) => `${k}=${v}`),
    '',
  ].join('\n');
}

function pgOptions(spec: Spec, node: string, pgPort: number, paths: PgbackrestPaths): [string, string][] {
  const p = paths.node(node);
  return [
    ['pg1-path', p.dataDir],
    ['pg1-port', String(pgPort)],
    ['pg1-socket-path', p.runDir],
    ['pg1-user', spec.postgres.superuser],
  ];
}

/** Command-line options that point pgBackRest at one node (the leader for backups, the target for restores). */
export function nodeOptions(spec: Spec, topology: Topology, paths: PgbackrestPaths, node: string): string[] {
  return [`--config=${paths.configFile}`, `--stanza=${stanzaOf(spec)}`, ...nodePgOptions(spec, topology, paths, node)];
}

/** Just the --pg1-* options of nodeOptions. */
export function nodePgOptions(spec: Spec, topology: Topology, paths: PgbackrestPaths, node: string): string[] {
  const n = topology.nodes.find((x) => x.name === node);
  if (!n) throw new Error(`unknown node ${node}`);
  return pgOptions(spec, node, n.pgPort, paths).map(([k, v]) => `--${k}=${v}`);
}

/**
 * archive_command for every node: PostgreSQL runs it through /bin/sh in the data dir, so `$(pwd -P)`
 * names the pushing node's own data dir and the one DCS-wide command works on any leader.
 */
export function archiveCommand(spec: Spec, paths: PgbackrestPaths): string {
  return `pgbackrest --config=${paths.configFile} --stanza=${stanzaOf(spec)} --pg1-path="$(pwd -P)" archive-push %p`;
}

export type RestoreTarget = { kind: 'latest' } | { kind: 'time'; time: string };

/**
 * The custom bootstrap command Patroni runs (shlex-split, no extra params): pgBackRest restores into
 * this node's data dir and writes the recovery settings, which Patroni keeps (keep_existing_recovery_conf).
 */
export function restoreCommand(
  spec: Spec,
  topology: Topology,
  paths: PgbackrestPaths,
  node: string,
  target: RestoreTarget,
  set?: string,
): string {
  // restore accepts only pg1-path of the pg options (it never connects to PostgreSQL).
  const dataDir = paths.node(node).dataDir;
  if (!topology.nodes.some((n) => n.name === node)) throw new Error(`unknown node ${node}`);
  const args = [
    'pgbackrest',
    `--config=${paths.configFile}`,
    `--stanza=${stanzaOf(spec)}`,
    `--pg1-path=${dataDir}`,
    '--delta',
    ...(set ? [`--set=${set}`] : []),
  ];
  // PostgreSQL's recovery_target_time rejects ISO 8601's "T...Z": write "YYYY-MM-DD HH:MM:SS.mmm+00".
  if (target.kind === 'time')
    args.push(
      '--type=time',
      `--target=${target.time.replace('T', ' ').replace(/Z$/, '+00')}`,
      '--target-action=promote',
    );
  args.push('restore');
  // Single quotes survive Patroni's shlex.split; the values never contain quotes (checked by the caller).
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ');
}
