import { maskSecrets } from '@codedance/core';
import { logFiles, pipePath, type LogHub, type LogLevel, type LogSource } from '../logs/index.js';

/**
 * The log of one instance: the two named pipes its processes write into
 * (the same across restarts, so one reader follows them all), the raw files
 * the server writes from them, and Codedance's own lines about it. A new
 * server reads on from the pipes, so nothing needs saving for it.
 */
export class InstanceLog {
  /** The raw log files. */
  readonly files: { stdout: string; stderr: string };
  /** What a process of this instance is given as its stdout and stderr. */
  readonly pipes: { stdout: string; stderr: string };
  private attached = false;

  constructor(
    private readonly hub: LogHub,
    logsDir: string,
    readonly source: LogSource,
    /** The values of the service's secret variables, masked wherever its output shows one. */
    private readonly secrets: () => readonly string[] = () => [],
  ) {
    this.files = logFiles(logsDir, source);
    this.pipes = { stdout: pipePath(this.files.stdout), stderr: pipePath(this.files.stderr) };
  }

  note(level: LogLevel, line: string): void {
    this.hub.system(this.source, level, maskSecrets(line, this.secrets()));
  }

  /** Starts reading the pipes (making them if needed); call before a process is given them. */
  async attach(): Promise<void> {
    if (this.attached) return;
    await this.hub.attach(this.source, this.files, { secrets: this.secrets });
    this.attached = true;
  }

  /** For processes that have ended: reads what they left and stops following. */
  async detach(): Promise<void> {
    if (!this.attached) return;
    this.attached = false;
    await this.hub.detach(this.source);
  }
}
