import { closeSync, constants, open as openFd, openSync, readSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { Socket } from 'node:net';
import { LineSplitter, type LineBlock } from './line-splitter.js';
import { ensureFifo } from './output-pipe.js';
import { RawLogFile } from './raw-file.js';

export interface OutputFollowerOptions {
  /** The named pipe the workload writes to (see `ensureFifo`). */
  pipe: string;
  /** The raw log file the server writes what comes through the pipe to. */
  file: string;
  /** Rotation of the raw file: renamed to `.1` (older ones move up) once it holds `maxSize` bytes. */
  rotate: { maxSize: number; maxFiles: number };
  /** Receives whole lines, in order, without their newline: what each read found, as one block. */
  onLines: (lines: LineBlock) => void;
  onError: (error: unknown) => void;
  /**
   * Asked after each read: a promise while whatever the lines go to (the
   * journal) cannot take more, null when it can. Reading waits for it.
   */
  congestion?: () => Promise<void> | null;
  /** Longer lines are cut and marked (default 64 KiB). */
  maxLineBytes?: number;
}

/** What a workload's pipe may still hold once it has ended: the pipe's capacity, with room. */
const DRAIN_BUDGET = 1024 * 1024;

function openPipe(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // Read-write: the pipe always has a writer (this server), so it never reads as ended and
    // a workload's write never fails while it has no reader. Non-blocking: read by the event loop.
    openFd(path, constants.O_RDWR | constants.O_NONBLOCK, (error, fd) => {
      if (error) reject(error);
      else resolve(fd);
    });
  });
}

/**
 * Follows one output stream of a workload. The workload writes into a named
 * pipe; this reads it as it comes, writes the bytes to the raw log file and
 * hands the lines on. The pipe lives in the log folder, so a workload that
 * outlives this server keeps its pipe, and the next server reads on where
 * this one stopped: what was written meanwhile waits in the pipe.
 *
 * Backpressure, not buffering: when the raw file or the journal cannot
 * take more, reading pauses, the pipe fills (64 KiB) and the workload's
 * next write waits. A flood is slowed to the speed the server can keep a
 * record at; memory holds at most a read or two, and the raw file is
 * rotated by renaming, so its disk use stays within its rotation.
 */
export class OutputFollower {
  readonly #options: OutputFollowerOptions;
  readonly #splitter: LineSplitter;
  #socket: Socket | null = null;
  #raw: RawLogFile | null = null;
  #state: 'new' | 'running' | 'paused-for-discard' | 'stopped' = 'new';
  /** A wait for the raw file or the journal; reading resumes after it. */
  #waiting: Promise<void> | null = null;
  #stopping: Promise<void> | null = null;
  /** Reading is held (a process is being started, its "started" line not yet written). */
  #held = false;

  constructor(options: OutputFollowerOptions) {
    this.#options = options;
    this.#splitter = new LineSplitter(options.maxLineBytes);
  }

  /** Creates the pipe if needed and starts reading it; resolves once it reads. */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new Error('an OutputFollower starts once');
    await ensureFifo(this.#options.pipe);
    this.#raw = await this.#openRaw();
    const fd = await openPipe(this.#options.pipe);
    const socket = new Socket({ fd, readable: true, writable: false });
    this.#socket = socket;
    this.#state = 'running';
    socket.on('data', this.#onData);
    socket.on('error', this.#options.onError);
  }

  /**
   * Stops reading. With `flush` (the workload has ended) what is left in
   * the pipe is read, a last line without newline is handed out, and the
   * pipe is removed. Without, the pipe stays for the next server; a line
   * begun but not finished is handed out as it is.
   */
  stop(options: { flush?: boolean } = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.flush === true);
    return this.#stopping;
  }

  /**
   * Starts the raw file afresh, empty (clearing the logs; its rotated copies
   * are the caller's to remove) and forgets a partial line; reading goes on.
   */
  async discard(): Promise<void> {
    if (this.#state !== 'running') return;
    this.#state = 'paused-for-discard';
    this.#socket?.pause();
    await this.#closeRaw();
    await unlink(this.#options.file).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.#options.onError(error);
    });
    this.#splitter.reset();
    const raw = await this.#openRaw();
    if (!this.#isDiscarding()) {
      await raw.end();
      return;
    }
    this.#raw = raw;
    this.#state = 'running';
    if (this.#waiting === null && !this.#held) this.#socket?.resume();
  }

  /**
   * Holds reading: what the workload writes waits in the pipe until `resume`. Lets the line
   * saying a process started come before anything the process wrote.
   */
  hold(): void {
    this.#held = true;
    this.#socket?.pause();
  }

  resume(): void {
    if (!this.#held) return;
    this.#held = false;
    if (this.#state === 'running' && this.#waiting === null) this.#socket?.resume();
  }

  /**
   * Reads, now and synchronously, everything the pipe holds: call once a process has ended,
   * before the line saying so, which then comes after all it wrote. A line begun without its
   * newline stays for the next read.
   */
  catchUp(): void {
    const socket = this.#socket;
    if (socket === null || this.#state !== 'running') return;
    socket.off('data', this.#onData);
    try {
      const next = (): Buffer | null => socket.read() as Buffer | null;
      for (let chunk = next(); chunk !== null; chunk = next()) this.#take(chunk);
      this.#drainPipe();
    } finally {
      socket.on('data', this.#onData);
    }
  }

  /** A method so the compiler does not narrow the state across awaits: a stop may come meanwhile. */
  #isDiscarding(): boolean {
    return this.#state === 'paused-for-discard';
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#take(chunk);
  };

  #openRaw(): Promise<RawLogFile> {
    return RawLogFile.open(this.#options.file, this.#options.rotate, this.#options.onError);
  }

  #closeRaw(): Promise<void> {
    const raw = this.#raw;
    this.#raw = null;
    return raw === null ? Promise.resolve() : raw.end();
  }

  /** One read: to the raw file, then its lines on; pauses the pipe when either is full. */
  #take(chunk: Buffer): void {
    const raw = this.#raw;
    const rawFull = raw !== null && !raw.write(chunk);
    this.#deliver(this.#splitter.consume(chunk));
    if (this.#state !== 'running') return;
    const waits: Promise<void>[] = [];
    if (rawFull) waits.push(raw.drained());
    const congestion = this.#options.congestion?.() ?? null;
    if (congestion !== null) waits.push(congestion);
    if (waits.length === 0) return;
    const socket = this.#socket;
    socket?.pause();
    const waiting = Promise.all(waits).then(() => {
      if (this.#waiting !== waiting) return;
      this.#waiting = null;
      if (this.#state === 'running' && !this.#held) socket?.resume();
    });
    this.#waiting = waiting;
  }

  #deliver(block: LineBlock): void {
    if (block.count === 0) return;
    try {
      this.#options.onLines(block);
    } catch (error) {
      this.#options.onError(error);
    }
  }

  async #stop(flush: boolean): Promise<void> {
    const socket = this.#socket;
    const wasReading = this.#state === 'running' || this.#state === 'paused-for-discard';
    this.#state = 'stopped';
    this.#waiting = null;
    if (socket !== null && wasReading) {
      socket.pause();
      // Read from the pipe already, not yet handed out. (read() also emits 'data': stop listening first.)
      socket.off('data', this.#onData);
      const next = (): Buffer | null => socket.read() as Buffer | null;
      for (let chunk = next(); chunk !== null; chunk = next()) this.#take(chunk);
      if (flush) this.#drainPipe();
      this.#deliver(this.#splitter.flush());
    }
    socket?.destroy();
    this.#socket = null;
    await this.#closeRaw();
    if (flush) {
      await unlink(this.#options.pipe).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.#options.onError(error);
      });
    }
  }

  /**
   * Reads what the ended workload left in the pipe, synchronously, through
   * a second descriptor: nothing else reads meanwhile, so the order holds.
   * Stops when the pipe is empty, or after a budget should something the
   * workload left behind still be writing.
   */
  #drainPipe(): void {
    let fd: number;
    try {
      fd = openSync(this.#options.pipe, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      this.#options.onError(error);
      return;
    }
    try {
      const buffer = Buffer.allocUnsafe(64 * 1024);
      for (let total = 0; total < DRAIN_BUDGET;) {
        let read: number;
        try {
          read = readSync(fd, buffer, 0, buffer.length, null);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return;
          throw error;
        }
        if (read === 0) return;
        total += read;
        this.#take(Buffer.from(buffer.subarray(0, read)));
      }
    } catch (error) {
      this.#options.onError(error);
    } finally {
      closeSync(fd);
    }
  }
}
