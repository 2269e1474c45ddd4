import { maskSecrets } from '@codedance/core';
import { stat } from 'node:fs/promises';
import { logFiles, type LogHub, type LogLevel, type LogSource } from '../logs/index.js';

export interface LogOffsets {
  stdout: number;
  stderr: number;
}

/**
 * The log of one instance: the two files its processes append to (the same
 * across restarts, so one tail follows them all) and Codedance's own lines
 * about it. Knows where reading got to, so a new server resumes there.
 */
export class InstanceLog {
  readonly files: { stdout: string; stderr: string };
  private attached = false;

  constructor(
    private readonly hub: LogHub,
    logsDir: string,
    readonly source: LogSource,
    /** The values of the service's secret variables, masked wherever its output shows one. */
    private readonly secrets: () => readonly string[] = () => [],
  ) {
    this.files = logFiles(logsDir, source);
  }

  note(level: LogLevel, line: string): void {
    this.hub.system(this.source, level, maskSecrets(line, this.secrets()));
  }

  /** Starts following from `saved`, or from the files' current end; returns where. */
  async attach(saved: LogOffsets | null): Promise<LogOffsets | null> {
    if (this.attached) return null;
    const offsets = saved ?? (await this.sizes());
    await this.hub.attach(this.source, this.files, { offsets, secrets: this.secrets });
    this.attached = true;
    return offsets;
  }

  /** How far the files have been read; null when not following. */
  offsets(): LogOffsets | null {
    return this.attached ? this.hub.offsets(this.source) : null;
  }

  /**
   * For processes that have ended: reads what they left and stops following.
   * The files are complete, so their sizes are where a later reader starts.
   */
  async detach(): Promise<LogOffsets | null> {
    if (!this.attached) return null;
    this.attached = false;
    await this.hub.detach(this.source);
    return this.sizes();
  }

  private async sizes(): Promise<LogOffsets> {
    const size = (file: string) =>
      stat(file).then(
        (s) => s.size,
        () => 0,
      );
    return { stdout: await size(this.files.stdout), stderr: await size(this.files.stderr) };
  }
}
