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

export interface ProcessRunner {
  /** Starts a process that keeps running after gardenos exits, its output appended to logFile. */
  launch(spec: LaunchSpec): Promise<ProcessIdentity>;
  isAlive(id: ProcessIdentity): boolean;
  signal(id: ProcessIdentity, signal: NodeJS.Signals): void;
}
