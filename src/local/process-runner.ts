// The narrow interface to the operating system's processes; the supervisor never imports child_process itself.

export interface LaunchSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  logFile: string;
  /** Run as this user (when we are root and the program refuses root, as PostgreSQL does). */
  user?: { uid: number; gid: number };
}

export interface ProcessIdentity {
  pid: number;
  /** Kernel start time of the process, so a reused pid is never mistaken for ours. */
  startTime: string;
}

/** A live process found on the machine, with what it is and why it counts as the platform's. */
export interface FoundProcess extends ProcessIdentity {
  /** Its command line, shortened, for people. */
  command: string;
  /** Its working directory, or the first open file that lies inside the directory asked about. */
  uses: string;
}

export interface ProcessRunner {
  /** Starts a process that keeps running after gardenos exits, its output appended to logFile. */
  launch(spec: LaunchSpec): Promise<ProcessIdentity>;
  isAlive(id: ProcessIdentity): boolean;
  signal(id: ProcessIdentity, signal: NodeJS.Signals): void;
  /**
   * Every live process (other than this one) whose working directory or an open file lies inside dir.
   * Every process of a platform works inside its state dir (PostgreSQL in its data dir), so this finds
   * also those no pid file names: a postmaster that Patroni started just before it was stopped.
   */
  processesUsing(dir: string): FoundProcess[];
  /** The identity of a live process by pid (for pids that another program wrote, such as postmaster.pid). */
  identify(pid: number): ProcessIdentity | undefined;
  /** The working directory of a live process, if it can be read. */
  workingDirOf(id: ProcessIdentity): string | undefined;
}
