// What one lab up run created, written to the manifest as it happens (a crash leaves a record down can use) and undone when the run fails.
import { existsSync } from 'node:fs';
import { emptyManifest, readMachineRecord, writeMachineRecord, writeManifest, type LabManifest } from './manifest.js';
import type { LabHostPlan, LabPlan } from './plan.js';
import { releaseMachineDirs, teardown } from './teardown.js';

type Created = LabManifest['created'];

export class LabJournal {
  readonly manifest: LabManifest;
  readonly isNew: boolean;
  /** Sentences: what this run changed; none means the lab was already up. */
  readonly changes: string[] = [];
  private readonly thisRun: Created = { namespaces: [], links: [], nftTables: [], dirs: [], pids: [] };
  private readonly machineDirsThisRun: string[] = [];

  constructor(
    private readonly plan: LabPlan,
    existing: LabManifest | undefined,
    private readonly stateRoot: string,
  ) {
    this.manifest = existing ?? emptyManifest(plan.name, plan.subnet.text, plan.hosts.length);
    this.isNew = existing === undefined;
  }

  created(kind: 'namespaces' | 'links' | 'dirs', value: string, sentence: string): void {
    this.manifest.created[kind].push(value);
    this.thisRun[kind].push(value);
    this.changed(sentence);
  }

  createdBridge(name: string): void {
    this.manifest.created.bridge = name;
    this.thisRun.bridge = name;
    this.changed(`created the bridge ${name}`);
  }

  startedSshd(host: LabHostPlan, pid: number): void {
    const entry = { host: host.name, namespace: host.namespace, pid };
    this.manifest.created.pids = [...this.manifest.created.pids.filter((p) => p.host !== host.name), entry];
    this.thisRun.pids.push(entry);
    this.changed(`started sshd on ${host.name} (pid ${pid})`);
  }

  /** A dir on the machine outside the lab's own (a mount point, the state root): shared by all labs. */
  createdMachineDir(dir: string): void {
    this.machineDirsThisRun.push(dir);
    if (existsSync(this.stateRoot)) {
      const record = readMachineRecord(this.stateRoot);
      writeMachineRecord(this.stateRoot, { createdDirs: [...record.createdDirs, dir] });
    }
    this.changed(`created ${dir} (a mount point; removed by the last lab down)`);
  }

  changed(sentence: string): void {
    this.changes.push(sentence);
    this.save();
  }

  save(): void {
    if (existsSync(this.plan.dir)) writeManifest(this.plan.manifestFile, this.manifest);
  }

  /** Undoes this run only; what an earlier run made stays. Returns a sentence for the error's "state:". */
  async rollback(): Promise<string> {
    // An sshd this run started in a namespace it did not create (a repair) is stopped by its pid.
    for (const p of this.thisRun.pids.filter((x) => !this.thisRun.namespaces.includes(x.namespace))) {
      try {
        process.kill(p.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    const result = await teardown(this.thisRun);
    // A lab that existed before this run keeps using its mount points: only a new lab's are released.
    const released = this.isNew
      ? releaseMachineDirs(this.stateRoot, this.plan.name, this.machineDirsThisRun)
      : { kept: [] };
    if (result.left.length === 0 && !this.isNew) {
      const m = this.manifest.created;
      m.namespaces = m.namespaces.filter((n) => !this.thisRun.namespaces.includes(n));
      m.links = m.links.filter((n) => !this.thisRun.links.includes(n));
      m.pids = m.pids.filter((p) => !this.thisRun.pids.includes(p));
      if (this.thisRun.bridge !== undefined) delete m.bridge;
      this.save();
    }
    const left = [...result.left, ...released.kept];
    if (left.length > 0)
      return `some of what this run created is still there: ${left.join('; ')}; \`gardenos lab down --name ${this.plan.name} --yes\` removes it`;
    return this.isNew
      ? 'nothing: everything this run created was removed'
      : `the lab as it was before this run (what this run added was removed); \`gardenos lab down --name ${this.plan.name}\` removes it`;
  }
}
