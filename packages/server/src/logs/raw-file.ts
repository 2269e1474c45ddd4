import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import { drained } from './streams.js';

/**
 * A workload's raw log file as the server writes it: appended to, and
 * renamed to `file.1` (older copies move up to `file.<maxFiles - 1>`, the
 * oldest goes) the moment it holds `maxSize` bytes. Writes are cut at that
 * mark, so no file ever holds more, and the files of one stream never take
 * more than `maxSize × maxFiles` (a line that straddles the mark goes on in
 * the next file). The renaming is rotating-file-stream's classical mode.
 */
export class RawLogFile {
  readonly #stream: RotatingFileStream;
  readonly #maxSize: number;
  /** Bytes in the live file, as the stream counts them: it rotates once they reach `maxSize`. */
  #size: number;

  private constructor(stream: RotatingFileStream, maxSize: number, size: number) {
    this.#stream = stream;
    this.#maxSize = maxSize;
    this.#size = size;
  }

  /** Opens `file` for append (rotating it first if it is full); resolves once it is open. */
  static async open(
    file: string,
    rotate: { maxSize: number; maxFiles: number },
    onError: (error: unknown) => void,
  ): Promise<RawLogFile> {
    const maxSize = Math.max(1, Math.floor(rotate.maxSize));
    const stream = createStream(basename(file), {
      path: dirname(file),
      size: `${maxSize}B`,
      // Never 0, which would switch the stream to files named by date.
      rotate: Math.max(1, rotate.maxFiles - 1),
      mode: 0o600,
    });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => {
        stream.off('error', reject);
        resolve();
      });
      stream.once('error', reject);
    });
    stream.on('error', onError);
    // Read once open: a full file was rotated away by then, and this one is empty.
    const size = await stat(file).then(
      (found) => found.size,
      () => 0,
    );
    return new RawLogFile(stream, maxSize, size);
  }

  /** Appends `chunk`; false when the caller should wait for `drained()` before writing more. */
  write(chunk: Buffer): boolean {
    let ok = true;
    for (let rest = chunk; rest.length > 0;) {
      const part = rest.subarray(0, this.#maxSize - this.#size);
      ok = this.#stream.write(part) && ok;
      this.#size += part.length;
      // The stream renames the file after the write that fills it; the next part opens the new one.
      if (this.#size >= this.#maxSize) this.#size = 0;
      rest = rest.subarray(part.length);
    }
    return ok;
  }

  drained(): Promise<void> {
    return drained(this.#stream);
  }

  /** Writes what is pending and closes the file. */
  end(): Promise<void> {
    return new Promise((resolve) => {
      this.#stream.end(() => {
        resolve();
      });
    });
  }
}
