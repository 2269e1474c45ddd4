/**
 * The process layer of this host: how a workload's processes are started,
 * found again after a server restart, and stopped. The service supervisor
 * and the task controller run on it, and the local workload runtime
 * (`../workload-runtime`) on the supervisor; a Kubernetes runtime needs
 * none of it.
 */

/** What to run. Spawned without a shell unless `shell` is true. */
export interface ProcessSpec {
  command: string;
  args: readonly string[];
  cwd?: string;
  /** The whole environment of the child (the caller merges in what it wants of its own). */
  env: Readonly<Record<string, string>>;
  /** Run `command` (a command line) through `/bin/sh -c`; args are then ignored. */
  shell?: boolean;
  /**
   * Where the child's output goes: the named pipes the log hub reads (see
   * `pipePath`), which outlive a server restart, or plain files (opened for
   * append).
   */
  stdoutFile: string;
  stderrFile: string;
}

/** How a process ended. `known` is false for a re-adopted process, whose exit status cannot be read. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  known: boolean;
  at: Date;
}

/** A running process this server started or re-adopted. */
export interface ProcessHandle {
  pid: number;
  /** Kernel start time in clock ticks since boot (`/proc/<pid>/stat` field 22): with the pid, the identity of the process. */
  startTicks: number;
  startedAt: Date;
  /** True when this server process is its parent (exit status known). */
  ownChild: boolean;
  /** Resolves once, when the process has exited. Never rejects. */
  exited: Promise<ExitInfo>;
}

/** Why a spawn failed: the command is missing, not executable, or the folder is wrong. */
export interface SpawnFailure {
  code: string;
  message: string;
}

export interface StopResult {
  /** 'exited' when the group left after the first signal, 'killed' when SIGKILL was needed, 'absent' when nothing ran. */
  outcome: 'exited' | 'killed' | 'absent';
  durationMs: number;
}

export interface ProcessUsage {
  pids: number[];
  /** CPU % of the whole tree since the previous sample (100 = one core). */
  cpuPercent: number;
  rssBytes: number;
  /** The most resident memory the tree's root has had so far (at least `rssBytes`), when known. */
  peakRssBytes?: number;
  /** CPU seconds used by the tree so far (user + system). */
  cpuSeconds: number;
}

export interface ProcessRuntime {
  /** Starts a process in its own session and process group. Rejects with a `SpawnError`. */
  spawn(spec: ProcessSpec): Promise<ProcessHandle>;
  /** Finds a process again after a restart; null when it is gone or the pid was reused. */
  adopt(pid: number, startTicks: number): Promise<ProcessHandle | null>;
  /** Signals the whole process group, waits up to `graceMs`, then SIGKILLs what is left. */
  stop(pid: number, options?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<StopResult>;
  /** CPU and memory of the process tree rooted at `pid`; null when it is gone. */
  usage(pid: number): Promise<ProcessUsage | null>;
  /** Stops background timers (adoption polls). Does not stop processes. */
  close(): void;
}
