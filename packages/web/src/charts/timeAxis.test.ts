import { describe, expect, it } from 'vitest';
import { alignSeries, labelledMarkers, MIN_SPAN_MS, tickFormatter, timeRange } from './timeAxis';

const T = Date.parse('2026-12-07T19:16:33Z');

describe('a time axis', () => {
  it('puts every series on the union of their times, with gaps where one has no point', () => {
    const { xs, ys } = alignSeries([
      { label: 'v3', color: 'blue', points: [[T + 2000, 80]] },
      {
        label: 'v2',
        color: 'grey',
        points: [
          [T + 2000, 100],
          [T, 99],
        ],
      },
    ]);
    expect(xs).toEqual([T / 1000, T / 1000 + 2]);
    expect(ys).toEqual([
      [null, 80],
      [99, 100],
    ]);
  });

  it('spans the release, not years around a single point', () => {
    const [from, to] = timeRange([T], undefined);
    expect(from).toBe(T);
    expect(to - from).toBeGreaterThanOrEqual(MIN_SPAN_MS);
    expect(to - from).toBeLessThan(2 * MIN_SPAN_MS);
  });

  it('holds the range asked for, every point and every marker', () => {
    const [from, to] = timeRange(
      [T + 5000],
      [T, T + 60_000],
      [{ time: T + 90_000, label: '⟲', title: 'Rolled back', tone: 'bad' }],
    );
    expect(from).toBe(T);
    expect(to).toBeGreaterThan(T + 90_000);
    expect(to).toBeLessThan(T + 95_000);
  });

  it('has an axis before the first point when the release has a start', () => {
    const [from, to] = timeRange([], [T, T + 1000]);
    expect([from, to - from >= MIN_SPAN_MS]).toEqual([T, true]);
  });

  it('labels ticks in the language asked for: seconds while they are close, the day over days', () => {
    const utc = (format: (s: number) => string) => format(T / 1000);
    const seconds = tickFormatter('en', 5, 60_000);
    const minutes = tickFormatter('zh-CN', 300, 3_600_000);
    const days = tickFormatter('en', 3600, 3 * 24 * 3_600_000);
    expect(utc(seconds)).toMatch(/^\d\d:\d\d:\d\d$/);
    expect(utc(minutes)).toMatch(/^\d\d:\d\d$/);
    expect(utc(days)).toMatch(/\d\d\/\d\d.*\d\d:\d\d/);
  });

  it('draws a marker label only clear of the one before, and the last one always', () => {
    const shown = labelledMarkers([
      { x: 0, width: 20 },
      { x: 10, width: 20 },
      { x: 40, width: 20 },
      { x: 70, width: 20 },
      { x: 80, width: 10 },
    ]);
    expect(shown).toEqual([true, false, true, false, true]);
  });
});
