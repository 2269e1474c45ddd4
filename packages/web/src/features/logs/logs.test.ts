import { describe, expect, it } from 'vitest';
import type { LogEntry, LogLevel } from '../../api/types';
import { visibleEntries } from './LogsPage';
import { mergeEntries } from './useLogTail';

const entry = (seq: number, level: LogLevel, line: string, id = 'job'): LogEntry => ({
  seq,
  time: '2026-12-02T10:00:00.000Z',
  source: { kind: 'task', id, run: 'r1' },
  stream: 'stdout',
  level,
  line,
});

describe('log views', () => {
  it('filters by the chosen levels and by text, as seed 004 does in the browser', () => {
    const entries = [
      entry(1, 'INFO', 'started'),
      entry(2, 'ERROR', 'disk full'),
      entry(3, 'DEBUG', 'tick'),
      entry(4, 'WARNING', 'slow disk', 'web'),
    ];
    expect(visibleEntries(entries, new Set(['ERROR', 'WARNING']), '').map((e) => e.seq)).toEqual([
      2, 4,
    ]);
    expect(
      visibleEntries(entries, new Set(['INFO', 'ERROR', 'WARNING', 'DEBUG']), 'DISK').map(
        (e) => e.seq,
      ),
    ).toEqual([2, 4]);
    expect(
      visibleEntries(entries, new Set(['INFO', 'ERROR', 'WARNING', 'DEBUG']), 'web').map(
        (e) => e.seq,
      ),
    ).toEqual([4]);
  });

  it('merges a live tail with its backlog by seq, once each, keeping the newest', () => {
    const merged = mergeEntries(
      [entry(1, 'INFO', 'a'), entry(3, 'INFO', 'c')],
      [entry(2, 'INFO', 'b'), entry(3, 'INFO', 'c')],
    );
    expect(merged.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(mergeEntries(merged, [entry(4, 'INFO', 'd')], 2).map((e) => e.seq)).toEqual([3, 4]);
  });
});
