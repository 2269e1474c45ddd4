import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { fromRun } from './runs.js';
import type { LogEntry, LogRun } from './types.js';

const CHUNK = 64 * 1024;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** The file at `path` opened for reading; null when it does not exist. */
export async function openIfExists(path: string): Promise<FileHandle | null> {
  return open(path, 'r').catch((error: unknown) => {
    if (isMissing(error)) return null;
    throw error;
  });
}

/** A run's record as it is stored (`count` and `text` instead of an entry's `line`). */
function isRun(value: Partial<LogEntry & LogRun>): value is LogRun {
  return (
    typeof value.text === 'string' &&
    typeof value.count === 'number' &&
    Number.isInteger(value.count) &&
    value.count >= 1
  );
}

/**
 * The run a journal line holds: a run as written, or an entry as a run of
 * one; null for a seq marker or a damaged line.
 */
export function parseRun(line: string): LogRun | null {
  if (!line.startsWith('{')) return null;
  let value: Partial<LogEntry & LogRun>;
  try {
    value = JSON.parse(line) as Partial<LogEntry & LogRun>;
  } catch {
    return null;
  }
  if (typeof value.seq !== 'number' || typeof value.source !== 'object') return null;
  if (isRun(value)) return value;
  if (typeof value.line !== 'string') return null;
  const { seq, time, source, stream, level, line: text } = value as LogEntry;
  return { seq, time, source, stream, level, count: 1, text };
}

/** The entries of a journal line, oldest first: none for a seq marker or a damaged line. */
export function parseEntries(line: string): LogEntry[] {
  const run = parseRun(line);
  return run === null ? [] : fromRun(run);
}

/** The first and last seq of a journal line (an entry's, a run's or a marker's); null when there is none. */
export function seqsOf(line: string): { first: number; last: number } | null {
  if (!line.startsWith('{')) return null;
  try {
    const value = JSON.parse(line) as { seq?: unknown; count?: unknown };
    if (typeof value.seq !== 'number') return null;
    const count = typeof value.count === 'number' ? value.count : 1;
    return { first: value.seq, last: value.seq + Math.max(1, count) - 1 };
  } catch {
    return null;
  }
}

/** The lines of a file, last first, reading backwards a chunk at a time. */
export async function* linesBackwards(path: string): AsyncGenerator<string> {
  const handle = await openIfExists(path);
  if (!handle) return;
  try {
    let position = (await handle.stat()).size;
    let carry = Buffer.alloc(0);
    while (position > 0) {
      const size = Math.min(CHUNK, position);
      position -= size;
      const chunk = Buffer.alloc(size);
      await handle.read(chunk, 0, size, position);
      const joined = carry.length > 0 ? Buffer.concat([chunk, carry]) : chunk;
      let end = joined.length;
      while (end > 0) {
        const newline = joined.lastIndexOf(10, end - 1);
        if (newline === -1) break;
        if (newline + 1 < end) yield joined.toString('utf8', newline + 1, end);
        end = newline;
      }
      carry = joined.subarray(0, end);
    }
    if (carry.length > 0) yield carry.toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * The whole lines of a file from the start, a batch per chunk read. A last
 * line without its newline is being written and is left out. Given an open
 * handle, it reads that file (whatever its name is now) and leaves it open.
 */
export async function* linesForwards(file: string | FileHandle): AsyncGenerator<string[]> {
  const handle = typeof file === 'string' ? await openIfExists(file) : file;
  if (!handle) return;
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    let position = 0;
    let carry = '';
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      // Splitting bytes at a newline never cuts a UTF-8 character; only the tail may be cut.
      const last = buffer.lastIndexOf(10, bytesRead - 1);
      if (last === -1) {
        carry += buffer.toString('latin1', 0, bytesRead);
        continue;
      }
      const text = Buffer.from(carry + buffer.toString('latin1', 0, last), 'latin1').toString(
        'utf8',
      );
      carry = buffer.toString('latin1', last + 1, bytesRead);
      yield text.split('\n').filter((line) => line !== '');
    }
  } finally {
    if (typeof file === 'string') await handle.close();
  }
}

/** The seq of the first line of a file (a path or an open handle); null when it is empty or missing. */
export async function firstSeq(file: string | FileHandle): Promise<number | null> {
  for await (const batch of linesForwards(file)) {
    for (const line of batch) {
      const seqs = seqsOf(line);
      if (seqs !== null) return seqs.first;
    }
  }
  return null;
}

/**
 * The newest seq written to the journal files (`paths` newest first). Read
 * synchronously, once, when a hub starts, so numbering continues where the
 * previous server stopped before anything else happens.
 */
export function lastSeqSync(paths: readonly string[]): number {
  for (const path of paths) {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      if (isMissing(error)) continue;
      throw error;
    }
    try {
      const seq = lastSeqOfFile(fd);
      if (seq !== null) return seq;
    } finally {
      closeSync(fd);
    }
  }
  return 0;
}

function lastSeqOfFile(fd: number): number | null {
  const size = fstatSync(fd).size;
  // Widen the window until it holds a whole line (journal lines can be long).
  for (let window = CHUNK; ; window *= 4) {
    const start = Math.max(0, size - window);
    const buffer = Buffer.alloc(size - start);
    readSync(fd, buffer, 0, buffer.length, start);
    const lines = buffer.toString('utf8').split('\n');
    const whole = start === 0 ? lines : lines.slice(1);
    for (let i = whole.length - 1; i >= 0; i--) {
      const seqs = seqsOf(whole[i] ?? '');
      if (seqs !== null) return seqs.last;
    }
    if (start === 0) return null;
  }
}
