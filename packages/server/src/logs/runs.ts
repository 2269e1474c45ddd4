import type { LogEntry, LogRun } from './types.js';

/** The lines of a run, oldest first. */
export function runLines(run: Pick<LogRun, 'count' | 'text'>): string[] {
  return run.count === 1 ? [run.text] : run.text.split('\n');
}

/** The newest seq a run holds. */
export function lastSeqOf(run: Pick<LogRun, 'seq' | 'count'>): number {
  return run.seq + run.count - 1;
}

/** A run of `lines`, none of which may hold a newline unless it is alone. */
export function runOf(fields: Omit<LogRun, 'count' | 'text'>, lines: readonly string[]): LogRun {
  const text = lines.length === 1 ? (lines[0] as string) : lines.join('\n');
  return { ...fields, count: lines.length, text };
}

function sameSource(a: LogEntry['source'], b: LogEntry['source']): boolean {
  return (
    a === b || (a.kind === b.kind && a.id === b.id && a.run === b.run && a.instance === b.instance)
  );
}

/** True when `entry` can come right after `previous` in one run. */
function continues(previous: LogEntry, entry: LogEntry): boolean {
  return (
    entry.seq === previous.seq + 1 &&
    entry.level === previous.level &&
    entry.stream === previous.stream &&
    entry.time === previous.time &&
    !entry.line.includes('\n') &&
    !previous.line.includes('\n') &&
    sameSource(entry.source, previous.source)
  );
}

/** Entries (in seq order) as the fewest runs that hold exactly them. */
export function toRuns(entries: readonly LogEntry[]): LogRun[] {
  const runs: LogRun[] = [];
  let start = 0;
  for (let i = 1; i <= entries.length; i++) {
    const entry = entries[i];
    if (entry !== undefined && continues(entries[i - 1] as LogEntry, entry)) continue;
    const { seq, time, source, stream, level } = entries[start] as LogEntry;
    const lines = entries.slice(start, i).map((e) => e.line);
    runs.push(runOf({ seq, time, source, stream, level }, lines));
    start = i;
  }
  return runs;
}

/** The entries a run holds, oldest first. */
export function fromRun(run: LogRun): LogEntry[] {
  const { seq, time, source, stream, level } = run;
  return runLines(run).map((line, i) => ({ seq: seq + i, time, source, stream, level, line }));
}

/** The part of `run` from seq `from` on (the whole run when it starts there or later). */
export function trimRun(run: LogRun, from: number): LogRun {
  const skip = from - run.seq;
  if (skip <= 0) return run;
  let at = -1;
  for (let i = 0; i < skip; i++) at = run.text.indexOf('\n', at + 1);
  return { ...run, seq: from, count: run.count - skip, text: run.text.slice(at + 1) };
}
