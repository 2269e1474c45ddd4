import { mkdirSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import {
  firstSeq,
  lastSeqSync,
  linesBackwards,
  linesForwards,
  openIfExists,
  parseEntries,
  parseRun,
} from './journal-read.js';
import { fromRun, lastSeqOf, toRuns, trimRun } from './runs.js';
import { drained } from './streams.js';
import type { LogEntry, LogRun } from './types.js';

/** The journal's live file under the log folder; rotated copies are `.1`, `.2`, … */
export const JOURNAL_FILE = 'workloads.jsonl';

export interface JournalOptions {
  dir: string;
  /** Bytes a file may reach before it is rotated. */
  maxSize: number;
  /** Files kept, the live one included. */
  maxFiles: number;
  onError: (error: unknown) => void;
}

/**
 * Every workload log entry in seq order, as JSON lines in files rotated by
 * size and count like the server's own log. An entry read alone is one
 * line; entries read together (a burst) are one line per run (see
 * `LogRun`), which costs a fraction of a line per entry to write. Writes are
 * buffered by the stream; `flush` waits until everything appended so far is
 * in the file.
 */
export class Journal {
  readonly path: string;
  readonly #options: JournalOptions;
  #stream: RotatingFileStream;
  /** Text appended while the files are being rewritten; written after. */
  #held: string[] | null = null;
  #appended = 0;
  #settled = 0;
  #waiters: { upTo: number; resolve: () => void }[] = [];
  #exclusive: Promise<unknown> = Promise.resolve();
  /**
   * The first seq of each journal file, by the file's identity. Rotation
   * renames files, which keeps a file's identity and its first line, so a
   * reader moving to its next file opens each candidate instead of reading
   * its first chunk again.
   */
  #firstOf = new Map<string, number>();

  constructor(options: JournalOptions) {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    this.path = join(options.dir, JOURNAL_FILE);
    this.#options = options;
    this.#stream = this.#open();
  }

  /** The journal files, newest first (some may not exist). */
  paths(): string[] {
    const paths = [this.path];
    for (let i = 1; i < this.#options.maxFiles; i++) paths.push(`${this.path}.${i}`);
    return paths;
  }

  /** The newest seq in the files, entries and markers alike; 0 for none. */
  lastSeqSync(): number {
    return lastSeqSync(this.paths());
  }

  /** Appends runs of entries, in seq order. */
  append(runs: readonly LogRun[]): void {
    let text = '';
    for (const run of runs) if (run.count > 0) text += `${journalLine(run)}\n`;
    if (text !== '') this.#write(text);
  }

  /** Records how far the numbering has gone when the entries that showed it are removed. */
  mark(seq: number): void {
    this.#write(`${JSON.stringify({ seq })}\n`);
  }

  /**
   * Null while the journal takes more; otherwise a promise that resolves
   * once it does (its file has caught up, or a rewrite is over). Writers
   * that can wait, the workload outputs, wait on it instead of having
   * their lines buffered without end.
   */
  congestion(): Promise<void> | null {
    if (this.#held !== null) return this.#exclusive.then(() => undefined);
    if (!this.#stream.writableNeedDrain) return null;
    return drained(this.#stream);
  }

  /** Resolves once everything appended before the call is written. */
  flush(): Promise<void> {
    if (this.#settled >= this.#appended) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ upTo: this.#appended, resolve }));
  }

  /** Every entry, newest first, across the rotated files. */
  async *newestFirst(): AsyncGenerator<LogEntry> {
    let previous = Infinity;
    for (const path of this.paths()) {
      for await (const line of linesBackwards(path)) {
        const entries = parseEntries(line);
        for (let i = entries.length - 1; i >= 0; i--) {
          const entry = entries[i] as LogEntry;
          // A rotation while reading can show a file twice; seq order tells.
          if (entry.seq < previous) {
            previous = entry.seq;
            yield entry;
          }
        }
      }
    }
  }

  /**
   * Entries with seq > `after`, oldest first, in batches, reading forwards
   * up to the end of the live file as it is when the reader gets there.
   * Files are chosen by the seqs they hold, not their names, so a rotation
   * while a slow reader is between files loses and repeats nothing.
   */
  async *after(after: number): AsyncGenerator<LogEntry[]> {
    for await (const runs of this.runsAfter(after)) yield runs.flatMap(fromRun);
  }

  /** As `after`, as runs: a run that begins at or before `after` comes without its older lines. */
  async *runsAfter(after: number): AsyncGenerator<LogRun[]> {
    let cursor = after;
    let readFirst: number | null = null;
    for (;;) {
      const file = await this.#openNext(cursor, readFirst);
      if (file === null) return;
      try {
        for await (const lines of linesForwards(file.handle)) {
          const batch: LogRun[] = [];
          for (const line of lines) {
            const run = parseRun(line);
            if (run === null) continue;
            const last = lastSeqOf(run);
            if (last <= cursor) continue;
            batch.push(run.seq > cursor ? run : trimRun(run, cursor + 1));
            cursor = last;
          }
          if (batch.length > 0) yield batch;
        }
      } finally {
        await file.handle.close();
      }
      readFirst = file.first;
    }
  }

  /**
   * Keeps only the entries `drop` does not select, file by file, with the
   * stream closed meanwhile; entries appended then are written after.
   * Returns how many were removed.
   */
  rewrite(drop: (entry: LogEntry) => boolean): Promise<number> {
    return this.#alone(async () => {
      let removed = 0;
      for (const path of this.paths()) {
        const temp = `${path}.rewrite`;
        const out = await open(temp, 'w', 0o600);
        let found = false;
        try {
          for await (const lines of linesForwards(path)) {
            found = true;
            const kept: string[] = [];
            for (const line of lines) {
              const entries = parseEntries(line);
              const staying = entries.filter((entry) => !drop(entry));
              removed += entries.length - staying.length;
              if (staying.length === entries.length) kept.push(line);
              else for (const run of toRuns(staying)) kept.push(journalLine(run));
            }
            if (kept.length > 0) await out.write(kept.join('\n') + '\n');
          }
        } finally {
          await out.close();
        }
        if (found) await rename(temp, path);
        else await unlink(temp);
      }
      return removed;
    });
  }

  /** Removes every journal file; returns how many entries they held. */
  removeAll(): Promise<number> {
    return this.#alone(async () => {
      let removed = 0;
      for (const path of this.paths()) {
        for await (const lines of linesForwards(path)) {
          // These keys are written unescaped only as fields of an entry or a run.
          for (const line of lines) {
            if (!line.includes('"source":')) continue;
            removed += line.includes('"count":') ? parseEntries(line).length : 1;
          }
        }
        await unlink(path).catch((error: unknown) => {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        });
      }
      return removed;
    });
  }

  async close(): Promise<void> {
    await this.#exclusive;
    await this.flush();
    await this.#end();
  }

  #open(): RotatingFileStream {
    const stream = createStream(JOURNAL_FILE, {
      path: this.#options.dir,
      size: `${Math.max(1, Math.floor(this.#options.maxSize))}B`,
      rotate: Math.max(1, this.#options.maxFiles - 1),
      mode: 0o600,
    });
    stream.on('error', this.#options.onError);
    return stream;
  }

  #end(): Promise<void> {
    return new Promise((resolve) => {
      this.#stream.end(() => {
        resolve();
      });
    });
  }

  #write(text: string): void {
    if (this.#held) {
      this.#held.push(text);
      return;
    }
    const number = ++this.#appended;
    this.#stream.write(text, () => {
      this.#settled = number;
      const ready = this.#waiters.filter((w) => w.upTo <= number);
      this.#waiters = this.#waiters.filter((w) => w.upTo > number);
      for (const waiter of ready) waiter.resolve();
    });
  }

  /** Runs `work` with the stream closed and no other such work running. */
  #alone<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#exclusive.then(async () => {
      await this.flush();
      this.#held = [];
      await this.#end();
      try {
        return await work();
      } finally {
        // Rewritten files are new files; a freed inode number may come back.
        this.#firstOf.clear();
        this.#stream = this.#open();
        const held = this.#held;
        this.#held = null;
        for (const text of held) this.#write(text);
      }
    });
    this.#exclusive = run.catch(() => undefined);
    return run;
  }

  /**
   * Opens the file to read after `cursor`, among those that begin after
   * `readFirst` (the first seq of the file read last): the one holding
   * `cursor + 1`, or else the oldest (what is older was removed). The
   * rotation renames files, so a file listed under one name may be under
   * the next by the time it is opened: its first seq is checked on the open
   * handle, and the listing taken again when it moved.
   */
  async #openNext(
    cursor: number,
    readFirst: number | null,
  ): Promise<{ handle: FileHandle; first: number } | null> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const files = (await this.#firsts()).filter(
        (file) => readFirst === null || file.first > readFirst,
      );
      const chosen = files.find((file) => file.first <= cursor + 1) ?? files[files.length - 1];
      if (chosen === undefined) return null;
      const handle = await openIfExists(chosen.path);
      if (handle === null) continue;
      const first = await firstSeq(handle).catch(async (error: unknown) => {
        await handle.close();
        throw error;
      });
      if (first === chosen.first) return { handle, first };
      await handle.close();
      this.#firstOf.clear();
    }
    throw new Error('the journal files kept moving while a reader looked for its next file');
  }

  /** Existing files with their first seq, newest first. */
  async #firsts(): Promise<{ path: string; first: number }[]> {
    const files: { path: string; first: number }[] = [];
    const seen = new Set<string>();
    for (const path of this.paths()) {
      const handle = await openIfExists(path);
      if (handle === null) continue;
      try {
        // Identity and first line come from the same open file, whatever its name is by now.
        const { dev, ino, birthtimeMs } = await handle.stat();
        const key = `${dev}:${ino}:${birthtimeMs}`;
        let first = this.#firstOf.get(key) ?? null;
        if (first === null) {
          // An empty file (just rotated in) is not remembered: its first line is still to come.
          first = await firstSeq(handle);
          if (first !== null) this.#firstOf.set(key, first);
        }
        if (first === null) continue;
        seen.add(key);
        files.push({ path, first });
      } finally {
        await handle.close();
      }
    }
    for (const key of this.#firstOf.keys()) if (!seen.has(key)) this.#firstOf.delete(key);
    return files;
  }
}

/** A run of one entry is written as the entry, so a journal without bursts reads as before. */
function journalLine(run: LogRun): string {
  const { seq, time, source, stream, level, count, text } = run;
  if (count !== 1) return JSON.stringify({ seq, time, source, stream, level, count, text });
  return JSON.stringify({ seq, time, source, stream, level, line: text });
}
