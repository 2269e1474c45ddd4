import type { LogEntry, LogLevel, LogSource } from '@codedance/api';

/** Seed 004's log levels. */
export { LOG_LEVELS, type LogLevel } from '@codedance/api';

/** Who wrote a line, and one line of a workload's log: the wire contract's shapes. */
export type { LogEntry, LogSource } from '@codedance/api';

/**
 * Consecutive entries of one source and stream, read at the same moment and
 * with the same level, as one record: `text` holds their `count` lines
 * joined by newlines (a run of one holds its line as it is, newlines and
 * all), and line `i` is the entry with seq `seq + i`. The journal stores a
 * burst this way and a batched live message carries one this way, so the
 * fields the lines share are written once and a burst costs a string per
 * read, not one per line.
 */
export interface LogRun {
  seq: number;
  time: string;
  source: LogSource;
  stream: LogEntry['stream'];
  level: LogLevel;
  count: number;
  text: string;
}

export interface LogQuery {
  /** Only this tenant's workloads (`id` is then the tenant-scoped id); every tenant's when absent. */
  tenant?: string;
  kind?: 'task' | 'service';
  id?: string;
  run?: string;
  instance?: number;
  /** Minimum level. */
  level?: LogLevel;
  since?: Date;
  until?: Date;
  /** Case-insensitive substring. */
  text?: string;
  /** Entries with seq < before (paging backwards). */
  before?: number;
  /** Default 200, at most 5000. Newest first. */
  limit?: number;
}

/** What a live subscriber receives: one entry per message, or runs of them when it asked for batches. */
export type LogMessage =
  | { type: 'entry'; entry: LogEntry }
  | { type: 'batch'; runs: LogRun[] }
  /** Lines that were not delivered because the subscriber was too slow; they are in the journal. */
  | { type: 'dropped'; count: number; fromSeq: number; toSeq: number };
