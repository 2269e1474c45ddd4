import { useEffect, useRef, useState } from 'react';
import type uPlot from 'uplot';
import { useI18n } from '../i18n/I18nProvider';
import { useTheme } from '../theme/ThemeProvider';

export interface ChartSeries {
  label: string;
  /** [epoch ms, value] pairs, in any order. */
  points: readonly (readonly [number, number])[];
  color: string;
}

export interface ChartLine {
  label: string;
  value: number;
  color: string;
}

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
 * A time-series chart drawn by uPlot (loaded on first use), with dashed
 * horizontal lines for thresholds. The figure's label says what it shows and
 * the newest value of each series, for those who cannot see the canvas.
 */
export function TimeChart({
  title,
  series,
  lines = [],
  format,
  axisFormat,
  height = 200,
  yMin,
  yMax,
}: {
  title: string;
  series: readonly ChartSeries[];
  lines?: readonly ChartLine[];
  /** For the legend and the label; `axisFormat` (shorter) for the axis, this one when absent. */
  format: (value: number) => string;
  axisFormat?: (value: number) => string;
  height?: number;
  yMin?: number;
  yMax?: number;
}) {
  const { t } = useI18n();
  const { dark } = useTheme();
  const container = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);
  const hasData = series.some((s) => s.points.length > 0);
  // Callers build new arrays on every render: redraw only when what they hold changes.
  const key = JSON.stringify({ series, lines, yMin, yMax, height, dark });
  const latestProps = useRef({ series, lines, format, axisFormat });
  latestProps.current = { series, lines, format, axisFormat };

  useEffect(() => {
    const node = container.current;
    if (!node || !hasData) return;
    let chart: uPlot | null = null;
    let observer: ResizeObserver | null = null;
    let cancelled = false;
    const isCancelled = () => cancelled;
    const { series, lines, format, axisFormat = format } = latestProps.current;
    void (async () => {
      try {
        const { default: UPlot } = await import('uplot');
        await import('uplot/dist/uPlot.min.css');
        // The effect may have been cleaned up while the chart library loaded.
        if (isCancelled()) return;
        const { xs, ys } = alignSeries(series);
        const axis = dark ? '#cbd5e1' : '#334155';
        const grid = dark ? 'rgba(148,163,184,0.15)' : 'rgba(100,116,139,0.15)';
        const data = [
          xs,
          ...ys,
          ...lines.map((line) => xs.map(() => line.value)),
        ] as uPlot.AlignedData;
        const width = Math.max(240, node.clientWidth);
        const range: uPlot.Scale.Range = (_u, min, max) => {
          const low = Math.min(min, ...lines.map((l) => l.value));
          const high = Math.max(max, ...lines.map((l) => l.value));
          const pad = (high - low) * 0.1 || Math.abs(high) * 0.1 || 1;
          return [yMin ?? low - pad, yMax ?? high + pad];
        };
        chart = new UPlot(
          {
            width,
            height,
            legend: { show: true },
            cursor: { drag: { x: false, y: false } },
            scales: { x: { time: true }, y: { range } },
            axes: [
              { stroke: axis, grid: { stroke: grid }, ticks: { stroke: grid } },
              {
                stroke: axis,
                grid: { stroke: grid },
                ticks: { stroke: grid },
                size: 64,
                values: (_u, values) => values.map((v) => axisFormat(v)),
              },
            ],
            series: [
              {},
              ...series.map((s) => ({
                label: s.label,
                stroke: s.color,
                width: 2,
                spanGaps: true,
                value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)),
              })),
              ...lines.map((line) => ({
                label: line.label,
                stroke: line.color,
                width: 1.5,
                dash: [6, 4],
                points: { show: false },
                value: () => format(line.value),
              })),
            ],
          },
          data,
          node,
        );
        observer = new ResizeObserver(() => {
          chart?.setSize({ width: Math.max(240, node.clientWidth), height });
        });
        observer.observe(node);
      } catch {
        setFailed(true);
      }
    })();
    return () => {
      cancelled = true;
      observer?.disconnect();
      chart?.destroy();
    };
  }, [key, hasData]);

  const latest = series
    .filter((s) => s.points.length > 0)
    .map((s) => {
      const last = [...s.points].sort((a, b) => a[0] - b[0]).at(-1);
      return last ? `${s.label} ${format(last[1])}` : s.label;
    })
    .join(', ');

  return (
    <figure className="min-w-0">
      <figcaption className="mb-1 text-sm font-medium">{title}</figcaption>
      {!hasData ? (
        <p className="rounded-md border border-dashed border-slate-300 px-3 py-8 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
          {t('chart.noData')}
        </p>
      ) : failed ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">{latest}</p>
      ) : (
        <div
          ref={container}
          role="img"
          aria-label={`${title}: ${latest}`}
          className="w-full overflow-hidden"
          style={{ minHeight: height }}
        />
      )}
    </figure>
  );
}
