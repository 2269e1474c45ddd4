import type { LogHub, LogLevel, LogSource } from '../logs/index.js';
import type { RunData } from './records.js';

export type LogOffsets = NonNullable<RunData['logOffsets']>;

/**
 * The log of one run: the two files its process writes, followed by the
 * hub from their start or from where a previous server stopped, and
 * Codedance's own lines about the run.
 */
export class RunLog {
  readonly source: LogSource & { kind: 'task' };

  constructor(
    private readonly hub: LogHub,
    private readonly files: RunData['logFiles'],
    task: string,
    run: string,
    /** Values the log must never show: they are masked in every line read from the files. */
    private readonly secrets: () => readonly string[] = () => [],
  ) {
    this.source = { kind: 'task', id: task, run };
  }

  /** Starts following the files: from `offsets` when given, else from their start. */
  follow(offsets: LogOffsets | null = null): Promise<void> {
    const { secrets } = this;
    return this.hub.attach(
      this.source,
      this.files,
      offsets ? { offsets, secrets } : { fromStart: true, secrets },
    );
  }

  /** A line from Codedance about the run ("started pid 12", "timed out"). */
  note(level: LogLevel, line: string): void {
    this.hub.system(this.source, level, line);
  }

  /** How far the files have been read; null when they are not followed. */
  offsets(): LogOffsets | null {
    return this.hub.offsets(this.source);
  }

  /** Reads what is left in the files and stops following them. */
  stop(): Promise<void> {
    return this.hub.detach(this.source);
  }
}
