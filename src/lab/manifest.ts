// The lab's record of everything it created (so down removes exactly that), and the machine dirs labs share.
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GardenError, describeCause } from '../errors.js';

export const MANIFEST_FORMAT = 1;

export interface LabManifest {
  format: typeof MANIFEST_FORMAT;
  name: string;
  subnet: string;
  hostCount: number;
  createdAt: string;
  /** Host name -> its public host key line, as pinned in the ready spec. */
  hostKeys: Record<string, string>;
  /** Only what lab up made: down deletes these and nothing else. */
  created: {
    bridge?: string;
    namespaces: string[];
    links: string[];
    nftTables: { namespace: string; family: string; table: string }[];
    /** Removed whole on down (the lab's own state dir). */
    dirs: string[];
    /** sshd per host, by the pid lab up started. */
    pids: { host: string; namespace: string; pid: number }[];
  };
}

export function emptyManifest(name: string, subnet: string, hostCount: number): LabManifest {
  return {
    format: MANIFEST_FORMAT,
    name,
    subnet,
    hostCount,
    createdAt: new Date().toISOString(),
    hostKeys: {},
    created: { namespaces: [], links: [], nftTables: [], dirs: [], pids: [] },
  };
}

function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

export function readManifest(file: string): LabManifest | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as LabManifest;
    if (m.format !== MANIFEST_FORMAT || !m.created)
      throw new Error(`format ${String(m.format)}, expected ${MANIFEST_FORMAT}`);
    return m;
  } catch (cause) {
    throw new GardenError('STATE_DIR', `The lab manifest ${file} cannot be read: ${describeCause(cause)}.`, {
      hint: "it lists what the lab created; without it gardenos will not delete anything. Remove the lab's namespaces (`ip netns list`), links and that dir by hand",
      cause,
    });
  }
}

export function writeManifest(file: string, m: LabManifest): void {
  writeJsonAtomic(file, m);
}

/** Dirs on the machine itself that a lab created (the state root, mount points): shared by every lab, removed by the last one down. */
export interface MachineRecord {
  createdDirs: string[];
}

export function machineRecordFile(stateRoot: string): string {
  return join(stateRoot, 'machine.json');
}

export function readMachineRecord(stateRoot: string): MachineRecord {
  const file = machineRecordFile(stateRoot);
  if (!existsSync(file)) return { createdDirs: [] };
  return JSON.parse(readFileSync(file, 'utf8')) as MachineRecord;
}

export function writeMachineRecord(stateRoot: string, record: MachineRecord): void {
  writeJsonAtomic(machineRecordFile(stateRoot), record);
}

/** Names of the labs with a manifest under the state root, other than `except`. */
export function otherLabs(stateRoot: string, except: string): string[] {
  if (!existsSync(stateRoot)) return [];
  return readdirSync(stateRoot, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== except && existsSync(join(stateRoot, e.name, 'manifest.json')))
    .map((e) => e.name);
}
