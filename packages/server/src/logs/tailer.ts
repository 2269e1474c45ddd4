import { watch, type FSWatcher } from 'node:fs';
import { mkdir, open, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { rotateRawFile } from './raw-files.js';

/** What a line longer than the limit ends with once cut. */
export const TRUNCATED_MARK = '…[truncated]';

export interface FileTailerOptions {
  path: string;
  /** `'end'` (default): only what is written from now on; `'start'`; or a byte offset saved earlier. */
  from?: 'end' | 'start' | number;
  /** Receives whole lines, in order, without their newline. */
  onLines: (lines: string[]) => void;
  onError?: (error: unknown) => void;
  /** The slow poll behind fs.watch, which can miss events (default 5000 ms). */
  pollMs?: number;
  /** Longer lines are cut and marked (default 64 KiB). */
  maxLineBytes?: number;
  /** Copy-then-truncate the file once it reaches `maxSize`, keeping `keep` copies. */
  rotate?: { maxSize: number; keep: number };
}

const READ_CHUNK = 256 * 1024;
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
      await mkdir(dirname(this.path), { recursive: true });
      await (await open(this.path, 'a')).close();
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
    const more = await this.#readFile(this.path, budget);
    if (more) this.#schedule();
    const rotate = this.#options.rotate;
    if (rotate && this.#readPos >= rotate.maxSize) {
      const copied = await rotateRawFile(this.path, rotate.maxSize, rotate.keep);
      if (copied === null) return;
      // What the workload wrote between the last read and the copy is in the copy.
      if (rotate.keep >= 1) await this.#readFile(`${this.path}.1`, Infinity);
      this.#readPos = this.#committed = 0;
    }
  }

  /** Reads from the current position to the end of `file`; true when the budget ran out first. */
  async #readFile(file: string, budget: number): Promise<boolean> {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.allocUnsafe(READ_CHUNK);
      let left = budget;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.#readPos);
        if (bytesRead === 0) return false;
        this.#consume(buffer.subarray(0, bytesRead));
        left -= bytesRead;
        if (left <= 0) return true;
      }
    } finally {
      await handle.close();
    }
  }

  #consume(chunk: Buffer): void {
    const lines: string[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, newline);
      if (this.#discarding) this.#discarding = false;
      else if (this.#partialBytes > 0) {
        lines.push(this.#decode(Buffer.concat([...this.#partial, piece])));
        this.#partial = [];
        this.#partialBytes = 0;
      } else lines.push(this.#decode(piece));
      start = newline + 1;
      this.#committed = this.#readPos + start;
    }
    const rest = chunk.subarray(start);
    this.#readPos += chunk.length;
    if (this.#discarding) this.#committed = this.#readPos;
    else if (rest.length > 0) {
      this.#partial.push(Buffer.from(rest));
      this.#partialBytes += rest.length;
      if (this.#partialBytes > this.#maxLine) {
        // Hand out the cut line now and skip the rest, so one endless line cannot fill memory.
        lines.push(this.#decode(Buffer.concat(this.#partial)));
        this.#partial = [];
        this.#partialBytes = 0;
        this.#discarding = true;
        this.#committed = this.#readPos;
      }
    }
    this.#deliver(lines);
  }

  #flushPartial(): void {
    this.#discarding = false;
    if (this.#partialBytes === 0) return;
    const line = this.#decode(Buffer.concat(this.#partial));
    this.#partial = [];
    this.#partialBytes = 0;
    this.#committed = this.#readPos;
    this.#deliver([line]);
  }

  #decode(bytes: Buffer): string {
    if (bytes.length > this.#maxLine) {
      let cut = this.#maxLine;
      // Do not cut through a UTF-8 character.
      while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--;
      return bytes.toString('utf8', 0, cut) + TRUNCATED_MARK;
    }
    const end =
      bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
    return bytes.toString('utf8', 0, end);
  }

  #deliver(lines: string[]): void {
    if (lines.length === 0) return;
    try {
      this.#options.onLines(lines);
    } catch (error) {
      this.#options.onError?.(error);
    }
  }
}
