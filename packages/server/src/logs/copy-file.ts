import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { formatLogDate } from '@codedance/core';

/** Where one stream of a workload is copied: a file, and the time format each line starts with. */
export interface CopyTarget {
  file: string;
  /** PM2's `log_date_format`: each line starts with the time so formatted and ": ". */
  dateFormat?: string;
}

/**
 * A copy of a workload's output in a file of the person's choosing (PM2's `out_file`,
 * `error_file`, `log_file`), appended to line by line beside Codedance's own raw file and
 * journal. Several instances may share one file (`merge_logs`): each appends whole lines.
 * A file that cannot be written is reported once and skipped; the output goes on.
 */
export class LogCopy {
  readonly target: CopyTarget;
  readonly #stream: WriteStream | null;
  #failed = false;

  constructor(target: CopyTarget, onError: (error: unknown) => void) {
    this.target = target;
    let stream: WriteStream | null = null;
    try {
      mkdirSync(dirname(target.file), { recursive: true });
      stream = createWriteStream(target.file, { flags: 'a', mode: 0o640 });
      stream.on('error', (error) => {
        if (this.#failed) return;
        this.#failed = true;
        onError(error);
      });
    } catch (error) {
      this.#failed = true;
      onError(error);
    }
    this.#stream = stream;
  }

  /** Appends the lines of `text` (separated by newlines), each with the time when a format is set. */
  write(text: string, now: Date): void {
    if (this.#stream === null || this.#failed) return;
    const { dateFormat } = this.target;
    const body =
      dateFormat === undefined ? text : text.replace(/^/gm, `${formatLogDate(dateFormat, now)}: `);
    this.#stream.write(`${body}\n`);
  }

  end(): Promise<void> {
    const stream = this.#stream;
    if (stream === null || stream.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      stream.end(() => {
        resolve();
      });
    });
  }
}
