import type { LogHub, LogLevel, LogSource } from '../logs/index.js';
import type { RunData } from './records.js';

/**
 * The log of one run: the two named pipes its process writes into, read by
 * the hub into the raw files and the journal (a server started later reads
 * on from the pipes), and Codedance's own lines about the run.
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

  /** Starts reading the run's pipes (making them if needed); call before the process is given them. */
  follow(): Promise<void> {
    return this.hub.attach(this.source, this.files, { secrets: this.secrets });
  }

  /** A line from Codedance about the run ("started pid 12", "timed out"). */
  note(level: LogLevel, line: string): void {
    this.hub.system(this.source, level, line);
  }

  /** Holds reading the pipes until `resume`: "started pid" comes before what the run wrote. */
  hold(): void {
    this.hub.hold(this.source);
  }

  resume(): void {
    this.hub.resume(this.source);
  }

  /** Reads all the pipes hold now: the run has ended, and its summary comes after its output. */
  catchUp(): void {
    this.hub.catchUp(this.source);
  }

  /** Reads what is left in the pipes and stops reading them. */
  stop(): Promise<void> {
    return this.hub.detach(this.source);
  }
}
