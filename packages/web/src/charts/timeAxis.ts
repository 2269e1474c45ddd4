/** The pure parts of a time chart: aligning series, the time axis's range, its labels and marks. */

export interface ChartSeries {
  label: string;
  /** [epoch ms, value] pairs, in any order. */
  points: readonly (readonly [number, number])[];
  color: string;
}

/** A moment marked on the time axis: a step that began, the moment a release ended. */
export interface ChartMarker {
  /** Epoch ms. */
  time: number;
  /** Short: it is drawn above the line when there is room (`20%`, `⟲`). */
  label: string;
  /** Said in full in the legend and to screen readers. */
  title: string;
  tone: 'step' | 'good' | 'bad';
}

/** The shortest time axis a chart shows: a release's first seconds still read as seconds. */
export const MIN_SPAN_MS = 10_000;
/** Room after the newest moment, so a point or a marker there is not drawn on the edge. */
const END_ROOM = 0.03;

/** Series on one time axis: the union of their times, null where a series has no point. */
export function alignSeries(series: readonly ChartSeries[]): {
  xs: number[];
  ys: (number | null)[][];
} {
  const times = [...new Set(series.flatMap((s) => s.points.map(([t]) => t)))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const ys = series.map((s) => {
    const column: (number | null)[] = times.map(() => null);
    for (const [t, v] of s.points) {
      const i = index.get(t);
      if (i !== undefined) column[i] = v;
    }
    return column;
  });
  return { xs: times.map((t) => t / 1000), ys };
}

/**
 * The time axis's range in epoch ms: what `range` asks for, widened to hold every point and
 * marker, at least {@link MIN_SPAN_MS} long (a single point is never alone on an axis that
 * guesses years around it), with a little room after the newest moment.
 */
export function timeRange(
  xsMs: readonly number[],
  range: readonly [number, number] | undefined,
  markers: readonly ChartMarker[] = [],
): [number, number] {
  const times = [...xsMs, ...markers.map((m) => m.time), ...(range ?? [])].filter(Number.isFinite);
  if (times.length === 0) return [0, MIN_SPAN_MS];
  const from = Math.min(...times);
  const to = Math.max(...times);
  const span = Math.max(MIN_SPAN_MS, to - from);
  return [from, from + span * (1 + END_ROOM)];
}

/**
 * How a tick of the time axis reads, in the viewer's zone and language: seconds when the ticks
 * are less than a minute apart, the day when the axis spans more than one.
 */
export function tickFormatter(
  language: string,
  incrementSeconds: number,
  spanMs: number,
): (epochSeconds: number) => string {
  const options: Intl.DateTimeFormatOptions = {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    ...(incrementSeconds < 60 ? { second: '2-digit' } : {}),
    ...(spanMs > 24 * 3600_000 ? { month: '2-digit', day: '2-digit' } : {}),
  };
  const format = new Intl.DateTimeFormat(language, options);
  return (epochSeconds) => format.format(new Date(epochSeconds * 1000));
}

/**
 * Which markers get their label drawn: from left to right, each one whose label starts clear of
 * the previous drawn label. The last marker (the end of a release) always wins its place.
 */
export function labelledMarkers(
  positions: readonly { x: number; width: number }[],
  gap = 4,
): boolean[] {
  const shown = positions.map(() => false);
  const last = positions.length - 1;
  const lastLeft = last >= 0 ? (positions[last]?.x ?? 0) : Infinity;
  let right = -Infinity;
  positions.forEach((p, i) => {
    const fitsBefore = i === last || p.x + p.width + gap <= lastLeft;
    if (p.x >= right + gap && fitsBefore) {
      shown[i] = true;
      right = p.x + p.width;
    }
  });
  return shown;
}

/** The index of the newest point of a series that has a value; null when it has none. */
export function lastIndexWithValue(column: readonly (number | null)[]): number | null {
  for (let i = column.length - 1; i >= 0; i--) {
    if (column[i] !== null && column[i] !== undefined) return i;
  }
  return null;
}
