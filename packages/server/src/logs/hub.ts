import { maskSecrets } from '@codedance/core';
import { join } from 'node:path';
import { Feed, type SeqMemory, type SubscribeOptions } from '../streams/index.js';
import { classifyLines, type LevelGroup, type LevelPattern } from './classify.js';
import { matchesFilter, QUERY_LIMITS, queryMatcher, sourceKey, type LogFilter } from './filter.js';
import { Journal } from './journal.js';
import { removeRawFiles, workloadDir } from './raw-files.js';
import { RunRing } from './run-ring.js';
import { fromRun } from './runs.js';
import { LogCopy, type CopyTarget } from './copy-file.js';
import { OutputFollower } from './output-follower.js';
import { pipePath } from './output-pipe.js';
import type { LogEntry, LogLevel, LogMessage, LogQuery, LogRun, LogSource } from './types.js';
import { systemDateClock } from '../clock.js';

export interface LogHubOptions {
  /** The log folder: the journal and the raw workload files live here. */
  dir: string;
  /** Size (bytes) and count of the journal files. */
  journal: { maxSize: number; maxFiles: number };
  /** When a raw workload file is rotated, and how many files (itself included) are kept; the journal's by default. */
  rawFiles?: { maxSize: number; maxFiles: number };
  /** Entries kept in memory for queries and live subscribers (default 20000). */
  ringSize?: number;
  /** Characters of line text those entries may hold at most (default 8 MiB). */
  ringBytes?: number;
  clock?: () => Date;
  /** Failures nobody waits for: a journal write, a raw file that cannot be read. */
  onError?: (error: unknown) => void;
}

export interface AttachOptions {
  /** The workload's own level rules. */
  patterns?: readonly LevelPattern[];
  /** Values of the workload's secret variables: replaced by a mask wherever a line holds one. */
  secrets?: () => readonly string[];
  /** Files each stream is copied to as well (a service's `logs`); see `copyTo` to change them. */
  copies?: StreamCopies;
}

/** The files a workload's stdout and stderr are copied to. */
export interface StreamCopies {
  stdout: readonly CopyTarget[];
  stderr: readonly CopyTarget[];
}

/** Which sources `clear` removes: all when empty. */
export interface ClearFilter {
  kind?: LogSource['kind'];
  id?: string;
}

interface Attached {
  source: LogSource;
  files: { stdout: string; stderr: string };
  outputs: { stdout: OutputFollower; stderr: OutputFollower };
  copies: { stdout: LogCopy[]; stderr: LogCopy[] };
}

/**
 * The logs of every workload: reads what the processes write (through a
 * named pipe per stream, into a raw file per stream), numbers each line
 * (the numbering continues across server restarts), keeps the newest in
 * memory, journals all of them, answers queries and feeds live
 * subscribers. Reading waits while the journal cannot keep up, so a
 * flooding workload is slowed rather than buffered.
 */
export class LogHub {
  readonly #dir: string;
  readonly #journal: Journal;
  readonly #ring: RunRing;
  /** For subscribers that read one entry per message. */
  readonly #entryFeed: Feed<LogEntry, LogMessage>;
  /** For subscribers that read batches: they never cost an object per line. */
  readonly #runFeed: Feed<LogRun, LogMessage>;
  readonly #clock: () => Date;
  readonly #options: LogHubOptions;
  readonly #onError: (error: unknown) => void;
  readonly #attached = new Map<string, Attached>();
  #seq: number;
  #closing: Promise<void> | null = null;
  #journalOpen = true;

  constructor(options: LogHubOptions) {
    this.#options = options;
    this.#dir = options.dir;
    this.#clock = options.clock ?? systemDateClock;
    this.#onError =
      options.onError ??
      ((error) => {
        process.emitWarning(error instanceof Error ? error : String(error));
      });
    this.#journal = new Journal({ dir: options.dir, ...options.journal, onError: this.#onError });
    this.#seq = this.#journal.lastSeqSync();
    this.#ring = new RunRing(
      options.ringSize ?? 20_000,
      this.#seq + 1,
      options.ringBytes ?? 8 * 1024 * 1024,
    );
    const ring = this.#ring;
    // The ring seen by entries or by runs.
    const memory = <T extends { readonly seq: number }>(
      after: (after: number, limit: number) => T[] | null,
    ): SeqMemory<T> => ({
      get floor() {
        return ring.floor;
      },
      after,
    });
    this.#entryFeed = new Feed<LogEntry, LogMessage>(
      {
        lastSeq: () => this.#seq,
        memory: memory((after, limit) => ring.entriesAfter(after, limit)),
        archive: (after) => this.#archive(after),
      },
      (entry) => ({ type: 'entry', entry }),
      { onError: this.#onError },
    );
    this.#runFeed = new Feed<LogRun, LogMessage>(
      {
        lastSeq: () => this.#seq,
        memory: memory((after, limit) => ring.runsAfter(after, limit)),
        archive: (after) => this.#archiveRuns(after),
      },
      (run) => ({ type: 'batch', runs: [run] }),
      {
        onError: this.#onError,
        batching: {
          wrap: (runs) => ({ type: 'batch', runs: [...runs] }),
          weight: (run) => run.text.length,
        },
        extent: (run) => run.count,
      },
    );
  }

  /** The newest seq handed out. */
  get lastSeq(): number {
    return this.#seq;
  }

  /**
   * Starts following a workload's two streams: each is read from its pipe
   * (`pipePath(file)`, made if missing) and written to its raw file. Attach
   * before the process starts, which is then given the pipes; a pipe that
   * outlived the previous server is read on from where it stopped.
   */
  async attach(
    source: LogSource,
    files: { stdout: string; stderr: string },
    options: AttachOptions = {},
  ): Promise<void> {
    const key = sourceKey(source);
    if (this.#attached.has(key)) throw new Error(`${key} is already attached`);
    const own = ownSource(source);
    const raw = this.#options.rawFiles ?? this.#options.journal;
    const follower = (stream: 'stdout' | 'stderr'): OutputFollower =>
      new OutputFollower({
        pipe: pipePath(files[stream]),
        file: files[stream],
        rotate: raw,
        onLines: (block) => {
          const text =
            options.secrets === undefined ? block.text : maskSecrets(block.text, options.secrets());
          this.#add(own, stream, classifyLines(text, block.count, stream, options.patterns));
          if (attached.copies[stream].length > 0) {
            const now = this.#clock();
            for (const copy of attached.copies[stream]) copy.write(text, now);
          }
        },
        onError: this.#onError,
        congestion: () => (this.#journalOpen ? this.#journal.congestion() : null),
      });
    const attached: Attached = {
      source: own,
      files: { ...files },
      outputs: { stdout: follower('stdout'), stderr: follower('stderr') },
      copies: { stdout: [], stderr: [] },
    };
    if (options.copies !== undefined) void this.#replaceCopies(attached, options.copies);
    this.#attached.set(key, attached);
    try {
      await Promise.all([attached.outputs.stdout.start(), attached.outputs.stderr.start()]);
    } catch (error) {
      this.#attached.delete(key);
      await Promise.all([attached.outputs.stdout.stop(), attached.outputs.stderr.stop()]);
      throw error;
    }
  }

  /**
   * For a workload that has ended: reads what is left in its pipes (a last
   * line without newline too), stops following them and removes them.
   */
  async detach(source: LogSource): Promise<void> {
    const key = sourceKey(source);
    const attached = this.#attached.get(key);
    if (!attached) return;
    await Promise.all([
      attached.outputs.stdout.stop({ flush: true }),
      attached.outputs.stderr.stop({ flush: true }),
    ]);
    this.#attached.delete(key);
    await this.#replaceCopies(attached, { stdout: [], stderr: [] });
  }

  /** Holds reading a workload's output until `resume` (while the line of its start is written). */
  hold(source: LogSource): void {
    const attached = this.#attached.get(sourceKey(source));
    attached?.outputs.stdout.hold();
    attached?.outputs.stderr.hold();
  }

  resume(source: LogSource): void {
    const attached = this.#attached.get(sourceKey(source));
    attached?.outputs.stdout.resume();
    attached?.outputs.stderr.resume();
  }

  /** Reads at once all a workload's pipes hold: call when it has ended, before saying so. */
  catchUp(source: LogSource): void {
    const attached = this.#attached.get(sourceKey(source));
    attached?.outputs.stdout.catchUp();
    attached?.outputs.stderr.catchUp();
  }

  /**
   * Changes the files an attached workload's output is copied to (its definition changed);
   * a file in both the old and the new set stays open.
   */
  copyTo(source: LogSource, copies: StreamCopies): Promise<void> {
    const attached = this.#attached.get(sourceKey(source));
    return attached === undefined ? Promise.resolve() : this.#replaceCopies(attached, copies);
  }

  #replaceCopies(attached: Attached, copies: StreamCopies): Promise<void> {
    const ended: Promise<void>[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const wanted = copies[stream];
      const same = (a: CopyTarget, b: CopyTarget) =>
        a.file === b.file && a.dateFormat === b.dateFormat;
      const kept = attached.copies[stream].filter((c) => wanted.some((t) => same(t, c.target)));
      for (const copy of attached.copies[stream]) if (!kept.includes(copy)) ended.push(copy.end());
      const added = wanted
        .filter((t) => !kept.some((c) => same(t, c.target)))
        .map((t) => new LogCopy(t, this.#onError));
      attached.copies[stream] = [...kept, ...added];
    }
    return Promise.all(ended).then(() => undefined);
  }

  /** A line from Codedance about a workload: "started pid 123", "exited with code 1". */
  system(source: LogSource, level: LogLevel, line: string): LogEntry {
    const [run] = this.#add(ownSource(source), 'system', [{ level, text: line, count: 1 }]);
    return fromRun(run as LogRun)[0] as LogEntry;
  }

  /**
   * Entries newest first: from memory while it reaches far enough, then
   * from the journal, read backwards from its end.
   */
  async query(query: LogQuery): Promise<LogEntry[]> {
    const limit = Math.min(Math.max(1, query.limit ?? QUERY_LIMITS.default), QUERY_LIMITS.max);
    const matches = queryMatcher(query);
    const since = query.since?.getTime();
    let upper = query.before ?? Infinity;
    const out: LogEntry[] = [];
    const take = (entry: LogEntry): boolean => {
      if (entry.seq >= upper) return true;
      if (since !== undefined && Date.parse(entry.time) < since) return false;
      if (matches(entry)) out.push(entry);
      return out.length < limit;
    };
    for (const entry of this.#ring.newestFirst()) if (!take(entry)) return out;
    // Everything from the floor up that still exists was in memory.
    upper = Math.min(upper, this.#ring.floor);
    if (upper <= 1) return out;
    await this.#journal.flush();
    for await (const entry of this.#journal.newestFirst()) if (!take(entry)) break;
    return out;
  }

  /**
   * Without a filter: removes the journal and every raw workload file. With
   * one: the raw files of the matching workloads and their journal entries.
   * Files running workloads still write to are emptied, not removed.
   */
  async clear(filter: ClearFilter = {}): Promise<{ removedEntries: number }> {
    const everything = filter.kind === undefined && filter.id === undefined;
    const selects = (source: LogSource): boolean =>
      (filter.kind === undefined || source.kind === filter.kind) &&
      (filter.id === undefined || source.id === filter.id);
    const folders = (
      filter.kind === undefined ? (['task', 'service'] as const) : [filter.kind]
    ).map((kind) =>
      filter.id === undefined
        ? join(this.#dir, kind === 'task' ? 'tasks' : 'services')
        : workloadDir(this.#dir, kind, filter.id),
    );
    // Memory first: entries that arrive during the rewrite are kept in both places.
    this.#ring.removeWhere((run) => selects(run.source));
    const removedEntries = everything
      ? await this.#journal.removeAll()
      : await this.#journal.rewrite((entry) => selects(entry.source));
    // The entries that showed how far numbering went may be gone; the next server must not reuse seqs.
    this.#journal.mark(this.#seq);
    const running = [...this.#attached.values()].filter((a) => selects(a.source));
    await removeRawFiles(
      folders,
      new Set(
        running.flatMap((a) => [
          a.files.stdout,
          a.files.stderr,
          pipePath(a.files.stdout),
          pipePath(a.files.stderr),
        ]),
      ),
    );
    await Promise.all(
      running.flatMap((a) => [a.outputs.stdout.discard(), a.outputs.stderr.discard()]),
    );
    return { removedEntries };
  }

  /**
   * Replays the entries after `since` that pass the filter (from the journal
   * when memory does not reach back that far), then delivers live ones.
   * `since` null: live only. `send` answering false means the client is
   * congested: see `Feed`. With `batch`, entries come as runs in `batch`
   * messages (see `LogRun`) instead of one `entry` message each. Returns
   * the unsubscribe function.
   */
  subscribe(
    filter: LogFilter,
    since: number | null,
    send: (message: LogMessage) => boolean,
    options: SubscribeOptions = {},
  ): () => void {
    const own = { ...filter };
    if (options.batch === true)
      return this.#runFeed.subscribe((run) => matchesFilter(run, own), since, send, options);
    return this.#entryFeed.subscribe((entry) => matchesFilter(entry, own), since, send, options);
  }

  /**
   * Stops reading every pipe (what is still in them waits there for the
   * next server), ends the subscriptions and closes the journal.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all(
        [...this.#attached.values()].flatMap((a) => [
          a.outputs.stdout.stop(),
          a.outputs.stderr.stop(),
        ]),
      );
      await Promise.all(
        [...this.#attached.values()].map((a) => this.#replaceCopies(a, { stdout: [], stderr: [] })),
      );
      this.#entryFeed.close();
      this.#runFeed.close();
      this.#journalOpen = false;
      await this.#journal.close();
    })();
    return this.#closing;
  }

  /**
   * Numbers the lines of `groups` and keeps, journals and offers them, a run
   * per group. Entries, one object per line, are only made for subscribers
   * that read one entry per message.
   */
  #add(source: LogSource, stream: LogEntry['stream'], groups: readonly LevelGroup[]): LogRun[] {
    const time = this.#clock().toISOString();
    const runs = groups.map(({ level, text, count }): LogRun => {
      const run: LogRun = { seq: this.#seq + 1, time, source, stream, level, count, text };
      this.#seq += count;
      return run;
    });
    for (const run of runs) this.#ring.push(run);
    if (this.#journalOpen) this.#journal.append(runs);
    if (this.#runFeed.size > 0) this.#runFeed.offerAll(runs);
    if (this.#entryFeed.size > 0) this.#entryFeed.offerAll(runs.flatMap(fromRun));
    return runs;
  }

  async *#archive(after: number): AsyncGenerator<LogEntry[]> {
    await this.#journal.flush();
    yield* this.#journal.after(after);
  }

  async *#archiveRuns(after: number): AsyncGenerator<LogRun[]> {
    await this.#journal.flush();
    yield* this.#journal.runsAfter(after);
  }
}

/** A copy with only the fields a source has, so entries do not keep the caller's object alive or see it change. */
function ownSource(source: LogSource): LogSource {
  const own: LogSource = { kind: source.kind, id: source.id };
  if (source.run !== undefined) own.run = source.run;
  if (source.instance !== undefined) own.instance = source.instance;
  return own;
}
