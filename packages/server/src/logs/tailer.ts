import { watch, type FSWatcher } from 'node:fs';
import { mkdir, open, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { rotateRawFile } from './raw-files.js';

/** What a line longer than the limit ends with once cut. */
export const TRUNCATED_MARK = '…[truncated]';

/** Whole lines read together: `count` lines, joined by newlines in `text`. */
export interface LineBlock {
  text: string;
  count: number;
}

export interface FileTailerOptions {
  path: string;
  /** `'end'` (default): only what is written from now on; `'start'`; or a byte offset saved earlier. */
  from?: 'end' | 'start' | number;
  /** Receives whole lines, in order, without their newline: what each read found, as one block. */
  onLines: (lines: LineBlock) => void;
  onError?: (error: unknown) => void;
  /** The slow poll behind fs.watch, which can miss events (default 5000 ms). */
  pollMs?: number;
  /** Longer lines are cut and marked (default 64 KiB). */
  maxLineBytes?: number;
  /** Copy-then-truncate the file once it reaches `maxSize`, keeping `keep` copies. */
  rotate?: { maxSize: number; keep: number };
}

/**
 * One read. Its lines become one string (see `LineBlock`), which at this
 * size is allocated as a large object: the garbage collector never copies
 * it, however long the log hub keeps it.
 */
const READ_CHUNK = 256 * 1024;
/** The smallest read buffer: more than a usual line, small enough for Node's buffer pool. */
const MIN_READ = 1024;
/** One pass reads at most this much, so a burst does not hold the event loop. */
const PASS_BUDGET = 8 * 1024 * 1024;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Follows one file that another process appends to: fs.watch for speed and
 * a slow poll for what inotify misses. Hands out whole lines; a partial last
 * line waits for its newline. When the file shrinks (truncated or replaced)
 * it starts again from the beginning. `offset` is where a tailer made after
 * a restart should resume: just past the last whole line handed out.
 *
 * All reads run one at a time on an internal chain, so a burst of watch
 * events costs one pass, not one read each.
 */
export class FileTailer {
  readonly path: string;
  readonly #options: FileTailerOptions;
  readonly #maxLine: number;
  #readPos = 0;
  #committed = 0;
  #partial: Buffer[] = [];
  #partialBytes = 0;
  /** Skipping the rest of a line already handed out cut. */
  #discarding = false;
  #ino: number | null = null;
  #watcher: FSWatcher | null = null;
  #poll: NodeJS.Timeout | null = null;
  #chain: Promise<void> = Promise.resolve();
  #readQueued = false;
  #state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';

  constructor(options: FileTailerOptions) {
    this.path = options.path;
    this.#options = options;
    this.#maxLine = options.maxLineBytes ?? 64 * 1024;
  }

  /** The byte offset to persist: just past the last whole line handed out. */
  get offset(): number {
    return this.#committed;
  }

  /** Positions the tailer and starts following; resolves once positioned. */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new Error('a FileTailer starts once');
    let found = await stat(this.path).catch((error: unknown) => {
      if (isMissing(error)) return null;
      throw error;
    });
    if (found === null) {
      // A workload's file may not exist yet (it is followed before the process starts). Create
      // it empty: fs.watch needs a file to watch, or the first lines would wait for the slow poll.
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      await (await open(this.path, 'a', 0o600)).close();
      found = await stat(this.path).catch(() => null);
    }
    const from = this.#options.from ?? 'end';
    let position = from === 'end' ? (found?.size ?? 0) : from === 'start' ? 0 : from;
    // A saved offset beyond the end means the file was truncated or replaced while nobody watched.
    if (found === null || position > found.size) position = 0;
    this.#readPos = this.#committed = position;
    this.#ino = found?.ino ?? null;
    this.#state = 'running';
    this.#poll = setInterval(() => {
      this.#schedule();
    }, this.#options.pollMs ?? 5000);
    this.#poll.unref();
    this.#watch();
    this.#schedule();
    await this.#chain;
  }

  /** Reads what is there now; resolves when read. */
  async readNow(): Promise<void> {
    this.#schedule();
    await this.#chain;
  }

  /**
   * Reads what is left and stops. With `flush`, a last line without its
   * newline is handed out too (the workload has ended); without, it stays
   * unread so a later tailer resumes before it.
   */
  async stop(options: { flush?: boolean } = {}): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return this.#chain;
    const wasRunning = this.#state === 'running';
    this.#state = 'stopping';
    this.#unwatch();
    if (this.#poll) clearInterval(this.#poll);
    this.#poll = null;
    if (wasRunning) {
      await this.#enqueue(async () => {
        await this.#readAvailable(Infinity);
        if (options.flush === true) this.#flushPartial();
      });
    }
    this.#state = 'stopped';
  }

  /** Empties the file (the workload keeps appending at the new end) and forgets what was pending. */
  discard(): Promise<void> {
    return this.#enqueue(async () => {
      await truncate(this.path, 0).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
      this.#partial = [];
      this.#partialBytes = 0;
      this.#discarding = false;
      this.#readPos = this.#committed = 0;
    });
  }

  #schedule(): void {
    if (this.#state !== 'running' || this.#readQueued) return;
    this.#readQueued = true;
    void this.#enqueue(async () => {
      this.#readQueued = false;
      await this.#readAvailable(PASS_BUDGET);
    });
  }

  /** Runs `op` after the ones before it; never rejects (errors go to onError). */
  #enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(op).catch((error: unknown) => {
      this.#options.onError?.(error);
    });
    this.#chain = run;
    return run;
  }

  #watch(): void {
    if (this.#watcher || this.#state !== 'running') return;
    try {
      this.#watcher = watch(this.path, { persistent: false }, () => {
        this.#schedule();
      });
      this.#watcher.on('error', () => {
        this.#unwatch();
      });
    } catch {
      // Not there yet (or no inotify left): the poll keeps looking and watches once it can.
      this.#watcher = null;
    }
  }

  #unwatch(): void {
    this.#watcher?.close();
    this.#watcher = null;
  }

  async #readAvailable(budget: number): Promise<void> {
    let found;
    try {
      found = await stat(this.path);
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    const replaced = this.#ino !== null && found.ino !== this.#ino;
    if (replaced || found.size < this.#readPos) {
      // What was pending belonged to the old content; hand it out rather than lose it.
      this.#flushPartial();
      this.#readPos = this.#committed = 0;
    }
    if (replaced) this.#unwatch();
    this.#ino = found.ino;
    this.#watch();
    const rotate = this.#options.rotate;
    // Nothing new: the usual answer to the slow poll, which then costs one stat and no open.
    if (found.size === this.#readPos && (!rotate || this.#readPos < rotate.maxSize)) return;
    const more = await this.#readFile(this.path, budget, found.size - this.#readPos);
    if (more) this.#schedule();
    if (rotate && this.#readPos >= rotate.maxSize) {
      const copied = await rotateRawFile(this.path, rotate.maxSize, rotate.keep);
      if (copied === null) return;
      // What the workload wrote between the last read and the copy is in the copy.
      if (rotate.keep >= 1) await this.#readFile(`${this.path}.1`, Infinity);
      this.#readPos = this.#committed = 0;
    }
  }

  /**
   * Reads from the current position to the end of `file`; true when the
   * budget ran out first. `expected` is how much there was to read when
   * asked: a service that wrote one line is read with a small buffer (from
   * Node's shared pool) instead of a chunk-sized one per read, which, for
   * many quiet services, is memory held until the next full collection.
   */
  async #readFile(file: string, budget: number, expected = READ_CHUNK): Promise<boolean> {
    const handle = await open(file, 'r');
    try {
      let buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK, Math.max(expected, MIN_READ)));
      let left = budget;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.#readPos);
        if (bytesRead === 0) return false;
        this.#consume(buffer.subarray(0, bytesRead));
        // More came since the size was taken: read the rest a whole chunk at a time.
        if (bytesRead === buffer.length && buffer.length < READ_CHUNK)
          buffer = Buffer.allocUnsafe(READ_CHUNK);
        left -= bytesRead;
        if (left <= 0) return true;
      }
    } finally {
      await handle.close();
    }
  }

  #consume(chunk: Buffer): void {
    const block: LineBlock = { text: '', count: 0 };
    let start = 0;
    const last = chunk.lastIndexOf(10);
    if (last !== -1) {
      if (this.#discarding) {
        // The rest of a line already handed out cut ends at the first newline.
        this.#discarding = false;
        const first = chunk.indexOf(10);
        if (last > first) this.#splitLines(chunk, first + 1, last, block);
      } else if (this.#partialBytes > 0) {
        // The line begun in an earlier chunk is decoded with this chunk's lines, as one text.
        this.#partial.push(chunk.subarray(0, last));
        const joined = Buffer.concat(this.#partial);
        this.#partial = [];
        this.#partialBytes = 0;
        this.#splitLines(joined, 0, joined.length, block);
      } else this.#splitLines(chunk, 0, last, block);
      start = last + 1;
      this.#committed = this.#readPos + start;
    }
    this.#readPos += chunk.length;
    if (this.#discarding) this.#committed = this.#readPos;
    else if (start < chunk.length) {
      this.#partial.push(Buffer.from(chunk.subarray(start)));
      this.#partialBytes += chunk.length - start;
      if (this.#partialBytes > this.#maxLine) {
        // Hand out the cut line now and skip the rest, so one endless line cannot fill memory.
        append(block, this.#decodePartial(), 1);
        this.#discarding = true;
        this.#committed = this.#readPos;
      }
    }
    this.#deliver(block);
  }

  /**
   * Adds the lines of `chunk[start, end)`, which ends just before a newline.
   * A burst is mostly ASCII lines of a sensible length: then the decoded
   * text is the block as it is, with no string per line (each character is
   * one byte, so a line's length is its size). Otherwise each line is
   * decoded, stripped of a carriage return and cut on its own.
   */
  #splitLines(chunk: Buffer, start: number, end: number, block: LineBlock): void {
    const text = chunk.toString('utf8', start, end);
    if (text.length === end - start && !text.includes('\r')) {
      let count = 1;
      let longest = 0;
      let from = 0;
      for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', from)) {
        longest = Math.max(longest, newline - from);
        from = newline + 1;
        count++;
      }
      if (Math.max(longest, text.length - from) <= this.#maxLine) {
        append(block, text, count);
        return;
      }
    }
    for (let at = start; at <= end;) {
      const newline = chunk.indexOf(10, at);
      const stop = newline === -1 || newline > end ? end : newline;
      append(block, this.#decode(chunk, at, stop), 1);
      at = stop + 1;
    }
  }

  #flushPartial(): void {
    this.#discarding = false;
    if (this.#partialBytes === 0) return;
    const line = this.#decodePartial();
    this.#committed = this.#readPos;
    this.#deliver({ text: line, count: 1 });
  }

  /** The pending pieces as one line; they are forgotten. */
  #decodePartial(): string {
    const bytes = Buffer.concat(this.#partial);
    this.#partial = [];
    this.#partialBytes = 0;
    return this.#decode(bytes, 0, bytes.length);
  }

  /** `bytes[start, end)` as a line, decoded in place (a view per line would cost more than the decoding). */
  #decode(bytes: Buffer, start: number, end: number): string {
    if (end - start > this.#maxLine) {
      let cut = start + this.#maxLine;
      // Do not cut through a UTF-8 character.
      while (cut > start && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--;
      return bytes.toString('utf8', start, cut) + TRUNCATED_MARK;
    }
    return bytes.toString('utf8', start, end > start && bytes[end - 1] === 13 ? end - 1 : end);
  }

  #deliver(block: LineBlock): void {
    if (block.count === 0) return;
    try {
      this.#options.onLines(block);
    } catch (error) {
      this.#options.onError?.(error);
    }
  }
}

/** Adds `count` lines, joined by newlines in `text`, to `block`. */
function append(block: LineBlock, text: string, count: number): void {
  block.text = block.count === 0 ? text : `${block.text}\n${text}`;
  block.count += count;
}
