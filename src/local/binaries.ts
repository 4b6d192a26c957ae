// Finds the programs the local platform runs and checks their versions before anything starts.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GardenError } from '../errors.js';
import { findOnPath } from '../runtime/index.js';

export interface Binaries {
  etcd: string;
  patroni: string;
  /**
   * The Python that runs the patroni script (its #! line), so Patroni can be started through our
   * launcher with upstream fixes its version lacks; undefined when patroni is not a Python script.
   */
  patroniPython?: string;
  haproxy: string;
  pgbouncer: string;
  /** PostgreSQL's bin dir (pg_ctl, initdb, postgres, pg_basebackup, pg_rewind...). */
  pgBinDir: string;
  versions: Record<'etcd' | 'patroni' | 'haproxy' | 'pgbouncer' | 'postgres', string>;
}

export const INSTALL_COMMAND =
  'sudo apt-get update && sudo apt-get install -y etcd-server etcd-client patroni haproxy pgbouncer postgresql-15 pgbackrest';

interface Requirement {
  name: 'etcd' | 'patroni' | 'haproxy' | 'pgbouncer';
  package: string;
  min: [number, number];
  versionArgs: string[];
  pattern: RegExp;
}

const REQUIREMENTS: Requirement[] = [
  {
    name: 'etcd',
    package: 'etcd-server',
    min: [3, 4],
    versionArgs: ['--version'],
    pattern: /etcd Version: (\d+)\.(\d+)\.(\d+)/,
  },
  {
    name: 'patroni',
    package: 'patroni',
    min: [3, 0],
    versionArgs: ['--version'],
    pattern: /patroni (\d+)\.(\d+)\.(\d+)/,
  },
  {
    name: 'haproxy',
    package: 'haproxy',
    min: [2, 4],
    versionArgs: ['-v'],
    pattern: /HA-?Proxy version (\d+)\.(\d+)\.(\d+)/,
  },
  {
    // 1.14 brought SCRAM pass-through with auth_query secrets; 1.17 peer auth in auth_type = hba files.
    name: 'pgbouncer',
    package: 'pgbouncer',
    min: [1, 17],
    versionArgs: ['--version'],
    pattern: /PgBouncer (\d+)\.(\d+)\.(\d+)/,
  },
];

function versionOf(
  path: string,
  args: string[],
  pattern: RegExp,
): { text: string; major: number; minor: number } | undefined {
  try {
    const out = execFileSync(path, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15000 });
    const m = pattern.exec(out);
    return m ? { text: `${m[1]}.${m[2]}.${m[3]}`, major: Number(m[1]), minor: Number(m[2]) } : undefined;
  } catch {
    return undefined;
  }
}

/** Some required programs are missing or the wrong version; `problems` lists each, for callers that show them one by one. */
export class BinariesMissingError extends GardenError {
  constructor(
    readonly problems: readonly string[],
    hint: string,
  ) {
    super('BINARY_MISSING', `The local platform cannot start: ${problems.join('; ')}.`, { hint });
    this.name = 'BinariesMissingError';
  }
}

/** Checks every program and the requested PostgreSQL major; one error names everything missing. */
export function checkBinaries(pgMajor: number, env: NodeJS.ProcessEnv = process.env): Binaries {
  const problems: string[] = [];
  const packages = new Set<string>();
  const found: Partial<Record<Requirement['name'], string>> = {};
  const versions: Partial<Binaries['versions']> = {};

  for (const req of REQUIREMENTS) {
    const path = findOnPath(req.name, env.PATH);
    if (!path) {
      problems.push(`${req.name} is not installed`);
      packages.add(req.package);
      if (req.name === 'etcd') packages.add('etcd-client');
      continue;
    }
    const v = versionOf(path, req.versionArgs, req.pattern);
    if (!v) {
      problems.push(`${path} did not report a version`);
      continue;
    }
    if (v.major < req.min[0] || (v.major === req.min[0] && v.minor < req.min[1])) {
      problems.push(`${req.name} ${v.text} is too old (need >= ${req.min.join('.')})`);
      packages.add(req.package);
    }
    found[req.name] = path;
    versions[req.name] = v.text;
  }

  const pgBinDir = env.GARDENOS_PG_BIN_DIR ?? `/usr/lib/postgresql/${pgMajor}/bin`;
  const pg = versionOf(join(pgBinDir, 'postgres'), ['--version'], /PostgreSQL\)? (\d+)\.(\d+)()/);
  if (!pg) {
    problems.push(`PostgreSQL ${pgMajor} is not installed (no ${pgBinDir}/postgres)`);
    packages.add(`postgresql-${pgMajor}`);
  } else if (pg.major !== pgMajor) {
    problems.push(`${pgBinDir}/postgres is PostgreSQL ${pg.major}, but the spec asks for ${pgMajor}`);
  } else {
    versions.postgres = `${pg.major}.${pg.minor}`;
  }

  if (problems.length > 0) {
    const install =
      packages.size > 0
        ? `install them with \`sudo apt-get update && sudo apt-get install -y ${[...packages].join(' ')}\` (or run \`gardenos setup\`)`
        : 'fix the installation, or set GARDENOS_PG_BIN_DIR to the bin dir of the PostgreSQL version in the spec';
    throw new BinariesMissingError(problems, install);
  }
  const patroniPython = pythonOf(found.patroni!);
  return {
    etcd: found.etcd!,
    patroni: found.patroni!,
    ...(patroniPython ? { patroniPython } : {}),
    haproxy: found.haproxy!,
    pgbouncer: found.pgbouncer!,
    pgBinDir,
    versions: versions as Binaries['versions'],
  };
}

/** The interpreter named by a script's #! line, when it is a Python. */
export function pythonOf(script: string): string | undefined {
  try {
    const first = readFileSync(script, 'utf8').slice(0, 200).split('\n')[0] ?? '';
    const m = /^#!\s*(\/\S*python[\d.]*)\s*$/.exec(first);
    return m?.[1];
  } catch {
    return undefined;
  }
}
