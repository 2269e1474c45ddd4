import { logCopyFiles, maskSecrets, type ServiceSpec } from '@codedance/core';
import {
  logFiles,
  pipePath,
  type LogHub,
  type LogLevel,
  type LogSource,
  type StreamCopies,
} from '../logs/index.js';

/** Where a service's `logs` say one instance's output is copied. */
function copiesOf(spec: ServiceSpec | undefined, instance: number): StreamCopies {
  if (spec === undefined) return { stdout: [], stderr: [] };
  const files = logCopyFiles(spec.logs, instance, spec.instances);
  const dateFormat = spec.logs?.date_format;
  const target = (file: string) => (dateFormat === undefined ? { file } : { file, dateFormat });
  return { stdout: files.stdout.map(target), stderr: files.stderr.map(target) };
}

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
    /** The service's current definition: its `logs` say where output is copied. */
    private readonly spec: () => ServiceSpec | undefined = () => undefined,
  ) {
    this.files = logFiles(logsDir, source);
    this.pipes = { stdout: pipePath(this.files.stdout), stderr: pipePath(this.files.stderr) };
  }

  note(level: LogLevel, line: string): void {
    this.hub.system(this.source, level, maskSecrets(line, this.secrets()));
  }

  /** Starts reading the pipes (making them if needed); call before a process is given them. */
  async attach(): Promise<void> {
    const copies = copiesOf(this.spec(), this.source.instance ?? 0);
    if (this.attached) {
      // A new process of a changed definition: its copies follow the definition.
      await this.hub.copyTo(this.source, copies);
      return;
    }
    await this.hub.attach(this.source, this.files, { secrets: this.secrets, copies });
    this.attached = true;
  }

  /** Holds reading the pipes until `resume`: the line of a start comes before the output. */
  hold(): void {
    if (this.attached) this.hub.hold(this.source);
  }

  resume(): void {
    if (this.attached) this.hub.resume(this.source);
  }

  /** Reads all the pipes hold now: a process has ended, and its end is said after its output. */
  catchUp(): void {
    if (this.attached) this.hub.catchUp(this.source);
  }

  /** For processes that have ended: reads what they left and stops following. */
  async detach(): Promise<void> {
    if (!this.attached) return;
    this.attached = false;
    await this.hub.detach(this.source);
  }
}
