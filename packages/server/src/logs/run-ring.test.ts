import { describe, expect, it } from 'vitest';
import { RunRing } from './run-ring.js';
import { runLines, runOf } from './runs.js';
import type { LogRun, LogSource } from './types.js';

const api: LogSource = { kind: 'service', id: 'api', instance: 0 };
const job: LogSource = { kind: 'task', id: 'job', run: 'r1' };

function run(seq: number, count: number, source: LogSource = api): LogRun {
  const lines = Array.from({ length: count }, (_, i) => `line ${seq + i}`);
  const fields = { seq, time: '2024-05-01T12:00:00.000Z', source, stream: 'stdout' as const };
  return runOf({ ...fields, level: 'INFO' }, lines);
}

const seqsOf = (entries: { seq: number }[] | null): number[] | null =>
  entries === null ? null : entries.map((e) => e.seq);

describe('RunRing', () => {
  it('holds at most its bytes of text: a burst of long lines drops the oldest runs whole', () => {
    const ring = new RunRing(20_000, 1, 100_000);
    const long = (seq: number): LogRun => ({
      ...run(seq, 1),
      text: `${seq} ${'x'.repeat(30_000)}`,
    });
    for (let seq = 1; seq <= 10; seq++) ring.push(long(seq));
    // Three of 30 KB fit in 100 KB; the rest went, and the floor says what is still answered.
    expect(ring.length).toBe(3);
    expect(ring.floor).toBe(8);
    expect(seqsOf(ring.entriesAfter(7, 10))).toEqual([8, 9, 10]);
    expect(ring.entriesAfter(6, 10)).toBeNull();
    // A run larger than the limit on its own is still kept: the newest always is.
    ring.push({ ...run(11, 1), text: 'y'.repeat(200_000) });
    expect(seqsOf(ring.entriesAfter(10, 10))).toEqual([11]);
    expect(ring.length).toBe(1);
  });

  it('keeps exactly the newest entries, cutting the oldest run rather than dropping it', () => {
    const ring = new RunRing(10);
    ring.push(run(1, 4));
    ring.push(run(5, 4));
    expect(ring.length).toBe(8);
    expect(ring.floor).toBe(1);
    ring.push(run(9, 5));
    expect(ring.length).toBe(10);
    expect(ring.floor).toBe(4);
    expect([...ring.newestFirst()].map((e) => e.line)).toEqual(
      Array.from({ length: 10 }, (_, i) => `line ${13 - i}`),
    );
  });

  it('answers from a seq by entries or by runs, and says when it no longer reaches back', () => {
    const ring = new RunRing(100, 11);
    ring.push(run(11, 5));
    ring.push({ ...run(16, 3), level: 'ERROR' });
    ring.push(run(19, 2));
    expect(ring.entriesAfter(9, 10)).toBeNull();
    expect(seqsOf(ring.entriesAfter(10, 4))).toEqual([11, 12, 13, 14]);
    expect(ring.entriesAfter(13, 100)?.[3]).toMatchObject({ seq: 17, level: 'ERROR' });
    const runs = ring.runsAfter(13, 3);
    expect(runs?.map((r) => [r.seq, runLines(r)])).toEqual([
      [14, ['line 14', 'line 15']],
      [16, ['line 16', 'line 17', 'line 18']],
    ]);
    expect(ring.runsAfter(20, 10)).toEqual([]);
  });

  it('takes a run larger than itself by its newest lines', () => {
    const ring = new RunRing(3);
    ring.push(run(1, 2));
    ring.push(run(3, 6));
    expect(ring.floor).toBe(6);
    expect(seqsOf(ring.entriesAfter(5, 10))).toEqual([6, 7, 8]);
  });

  it('keeps a single line as it is, even one with a newline in it', () => {
    const ring = new RunRing(10);
    ring.push({ ...run(1, 1), stream: 'system', text: 'could not start:\nno such file' });
    ring.push(run(2, 2));
    expect(ring.entriesAfter(0, 10)?.map((e) => e.line)).toEqual([
      'could not start:\nno such file',
      'line 2',
      'line 3',
    ]);
  });

  it('forgets the runs of a source and counts their entries', () => {
    const ring = new RunRing(100);
    ring.push(run(1, 3, job));
    ring.push(run(4, 2, api));
    ring.push(run(6, 4, job));
    expect(ring.removeWhere((r) => r.source.kind === 'task')).toBe(7);
    expect(ring.length).toBe(2);
    expect(ring.floor).toBe(1);
    expect(seqsOf(ring.entriesAfter(0, 10))).toEqual([4, 5]);
  });

  it('stays correct across many pushes as spent slots are let go', () => {
    const ring = new RunRing(50);
    for (let seq = 1; seq <= 5000; seq += 5) ring.push(run(seq, 5));
    expect(ring.length).toBe(50);
    expect(ring.floor).toBe(4951);
    expect(seqsOf(ring.entriesAfter(4990, 100))).toEqual(
      Array.from({ length: 10 }, (_, i) => 4991 + i),
    );
  });
});
