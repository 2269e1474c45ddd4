import { useEffect, useMemo, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import type uPlot from 'uplot';
import { useI18n } from '../i18n/I18nProvider';
import { useTheme } from '../theme/ThemeProvider';
import { cx } from '../ui/cx';
import {
  alignSeries,
  labelledMarkers,
  lastIndexWithValue,
  tickFormatter,
  timeRange,
  type ChartMarker,
  type ChartSeries,
} from './timeAxis';

export type { ChartMarker, ChartSeries } from './timeAxis';

/** A horizontal limit drawn dashed across the chart (a threshold). */
export interface ChartLine {
  label: string;
  value: number;
  color: string;
}

const MARKER_COLORS: Record<ChartMarker['tone'], { light: string; dark: string }> = {
  step: { light: '#64748b', dark: '#94a3b8' },
  good: { light: '#15803d', dark: '#4ade80' },
  bad: { light: '#b91c1c', dark: '#f87171' },
};

interface Drawn {
  xs: number[];
  ys: (number | null)[][];
  lines: readonly ChartLine[];
  markers: readonly ChartMarker[];
  from: number;
  to: number;
  yMin: number | undefined;
  yMax: number | undefined;
  dark: boolean;
}

/** Thresholds dashed across the plot, and markers as vertical lines labelled where room allows. */
function drawOverlays(u: uPlot, drawn: Drawn): void {
  const { ctx, bbox } = u;
  const ratio = window.devicePixelRatio || 1;
  ctx.save();
  ctx.beginPath();
  ctx.rect(bbox.left, bbox.top - 16 * ratio, bbox.width, bbox.height + 16 * ratio);
  ctx.clip();
  ctx.lineWidth = 1.5 * ratio;
  for (const line of drawn.lines) {
    const y = Math.round(u.valToPos(line.value, 'y', true));
    ctx.strokeStyle = line.color;
    ctx.setLineDash([6 * ratio, 4 * ratio]);
    ctx.beginPath();
    ctx.moveTo(bbox.left, y);
    ctx.lineTo(bbox.left + bbox.width, y);
    ctx.stroke();
  }
  ctx.font = `${String(11 * ratio)}px system-ui, sans-serif`;
  ctx.textBaseline = 'bottom';
  const positions = drawn.markers.map((m) => ({
    x: u.valToPos(m.time / 1000, 'x', true),
    width: ctx.measureText(m.label).width,
  }));
  const shown = labelledMarkers(positions, 4 * ratio);
  drawn.markers.forEach((marker, i) => {
    const x = Math.round(positions[i]?.x ?? 0);
    const color = MARKER_COLORS[marker.tone][drawn.dark ? 'dark' : 'light'];
    ctx.strokeStyle = color;
    ctx.lineWidth = (marker.tone === 'step' ? 1 : 2) * ratio;
    ctx.setLineDash(marker.tone === 'step' ? [2 * ratio, 3 * ratio] : []);
    ctx.beginPath();
    ctx.moveTo(x, bbox.top);
    ctx.lineTo(x, bbox.top + bbox.height);
    ctx.stroke();
    if (shown[i]) {
      ctx.fillStyle = color;
      const width = positions[i]?.width ?? 0;
      // Kept inside the plot: a label at the right edge is drawn to the left of its line.
      const left = Math.min(x + 2 * ratio, bbox.left + bbox.width - width);
      ctx.fillText(marker.label, left, bbox.top - 2 * ratio);
    }
  });
  ctx.restore();
}

/** One entry of a chart's legend: how it is drawn, what it is, and its value if it has one. */
function LegendItem({
  swatch,
  style,
  label,
  className,
  children,
}: {
  swatch: string;
  style?: CSSProperties;
  label: string;
  className?: string;
  children?: ReactNode;
}) {
  return (
    <span className={cx('inline-flex items-baseline gap-1.5', className)}>
      <span aria-hidden="true" className={cx('inline-block self-center', swatch)} style={style} />
      {label}
      {children}
    </span>
  );
}

/**
 * A time-series chart drawn by uPlot (loaded on first use). The time axis reads in the viewer's
 * zone and language with labels that keep their distance; thresholds are dashed lines and
 * markers (the steps of a release, the moment it ended) vertical ones. Below the chart, a
 * legend gives each series' value under the cursor, or its latest. The figure's label says
 * the latest values, for those who cannot see the canvas.
 */
export function TimeChart({
  title,
  axisLabel,
  series,
  lines = [],
  markers = [],
  range,
  format,
  axisFormat,
  height = 200,
  yMin,
  yMax,
}: {
  title: string;
  /** Names the value axis with its unit (`p99 latency (ms)`). */
  axisLabel?: string;
  series: readonly ChartSeries[];
  lines?: readonly ChartLine[];
  markers?: readonly ChartMarker[];
  /** The time span to show (epoch ms); given, the chart shows its axis before any point. */
  range?: readonly [number, number] | undefined;
  /** For the legend and the label; `axisFormat` (shorter) for the axis, this one when absent. */
  format: (value: number) => string;
  axisFormat?: (value: number) => string;
  height?: number;
  yMin?: number;
  yMax?: number;
}) {
  const { t, language, time } = useI18n();
  const { dark } = useTheme();
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const [failed, setFailed] = useState(false);
  const [cursor, setCursor] = useState<number | null>(null);
  const hasData = series.some((s) => s.points.length > 0);
  const aligned = useMemo(() => alignSeries(series), [series]);
  const rangeKey = range === undefined ? '' : `${String(range[0])}-${String(range[1])}`;
  const markersKey = JSON.stringify(markers);
  const [from, to] = useMemo(
    () =>
      timeRange(
        aligned.xs.map((x) => x * 1000),
        range,
        markers,
      ),
    // The keys stand for `range` and `markers`, which callers may build anew on every render.
    [aligned, rangeKey, markersKey],
  );
  const drawn = useRef<Drawn | null>(null);
  drawn.current = { ...aligned, lines, markers, from, to, yMin, yMax, dark };
  const formats = useRef({ format, axisFormat });
  formats.current = { format, axisFormat };
  const visible = hasData || range !== undefined;

  // A new chart when what it is made of changes; new data alone is handed to the one there is.
  const structure = JSON.stringify({
    series: series.map((s) => [s.label, s.color]),
    dark,
    height,
    language,
    axisLabel,
  });
  useEffect(() => {
    const node = container.current;
    if (!node || !visible) return;
    let created: uPlot | null = null;
    let observer: ResizeObserver | null = null;
    let cancelled = false;
    const isCancelled = () => cancelled;
    void (async () => {
      try {
        const { default: UPlot } = await import('uplot');
        await import('uplot/dist/uPlot.min.css');
        // The effect may have been cleaned up while the chart library loaded.
        if (isCancelled()) return;
        const axis = dark ? '#cbd5e1' : '#334155';
        const grid = dark ? 'rgba(148,163,184,0.15)' : 'rgba(100,116,139,0.15)';
        const current = () => drawn.current;
        const yRange: uPlot.Scale.Range = (_u, min, max) => {
          const d = current();
          const limits = d?.lines.map((l) => l.value) ?? [];
          const values = [min, max, ...limits].filter(
            (v): v is number => typeof v === 'number' && Number.isFinite(v),
          );
          const low = values.length > 0 ? Math.min(...values) : 0;
          const high = values.length > 0 ? Math.max(...values) : 1;
          const pad = (high - low) * 0.1 || Math.abs(high) * 0.1 || 1;
          const top = d?.yMax ?? high + pad;
          return [Math.min(d?.yMin ?? low - pad, top - 1), top];
        };
        created = new UPlot(
          {
            width: Math.max(200, node.clientWidth),
            height,
            legend: { show: false },
            // Room above the plot for the markers' labels.
            padding: [18, 12, null, null],
            cursor: { drag: { x: false, y: false }, points: { size: 7 } },
            scales: {
              x: {
                time: true,
                auto: false,
                range: () => {
                  const d = current();
                  return [(d?.from ?? 0) / 1000, (d?.to ?? 1) / 1000];
                },
              },
              y: { range: yRange },
            },
            axes: [
              {
                stroke: axis,
                grid: { stroke: grid },
                ticks: { stroke: grid },
                // Wide enough for "00:00:00" (or a date) with room between labels.
                space: 84,
                values: (_u, splits, _axis, _space, increment) => {
                  const d = current();
                  const span = (d?.to ?? 0) - (d?.from ?? 0);
                  const label = tickFormatter(language, increment, span);
                  return splits.map((s) => label(s));
                },
              },
              {
                stroke: axis,
                grid: { stroke: grid },
                ticks: { stroke: grid },
                size: 60,
                space: 36,
                ...(axisLabel === undefined
                  ? {}
                  : { label: axisLabel, labelSize: 20, labelFont: '12px system-ui, sans-serif' }),
                values: (_u, values) =>
                  values.map((v) => (formats.current.axisFormat ?? formats.current.format)(v)),
              },
            ],
            series: [
              {},
              ...series.map((s) => ({
                label: s.label,
                stroke: s.color,
                width: 2,
                spanGaps: true,
                points: { show: true, size: 5, fill: s.color },
              })),
            ],
            hooks: {
              draw: [
                (u: uPlot) => {
                  const d = current();
                  if (d !== null) drawOverlays(u, d);
                },
              ],
              setCursor: [
                (u: uPlot) => {
                  const idx = u.cursor.idx;
                  setCursor(typeof idx === 'number' ? idx : null);
                },
              ],
            },
          },
          [[], ...series.map(() => [])] as uPlot.AlignedData,
          node,
        );
        chart.current = created;
        const d = current();
        if (d !== null) created.setData([d.xs, ...d.ys] as uPlot.AlignedData);
        observer = new ResizeObserver(() => {
          created?.setSize({ width: Math.max(200, node.clientWidth), height });
        });
        observer.observe(node);
      } catch {
        setFailed(true);
      }
    })();
    return () => {
      cancelled = true;
      observer?.disconnect();
      created?.destroy();
      chart.current = null;
    };
    // `structure` names everything the chart is built from; the rest is read through refs.
  }, [structure, visible]);

  useEffect(() => {
    chart.current?.setData([aligned.xs, ...aligned.ys] as uPlot.AlignedData);
  }, [aligned, from, to, markersKey, lines, yMin, yMax]);

  const valueAt = (column: readonly (number | null)[], index: number | null) => {
    const value = index === null ? null : (column[index] ?? null);
    return value === null ? '—' : format(value);
  };
  const at = (column: readonly (number | null)[]) =>
    valueAt(column, cursor ?? lastIndexWithValue(column));
  const cursorTime = cursor === null ? null : aligned.xs[cursor];
  const latest = series
    .map((s, i) => {
      const column = aligned.ys[i] ?? [];
      return `${s.label} ${valueAt(column, lastIndexWithValue(column))}`;
    })
    .join(', ');
  const ending = markers.filter((m) => m.tone !== 'step');

  return (
    <figure className="min-w-0">
      <figcaption className="mb-1 text-sm font-medium">{title}</figcaption>
      {!visible ? (
        <p className="rounded-md border border-dashed border-slate-300 px-3 py-8 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
          {t('chart.noData')}
        </p>
      ) : failed ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">{latest}</p>
      ) : (
        <>
          <div className="relative">
            <div
              ref={container}
              role="img"
              aria-label={`${title}: ${hasData ? latest : t('chart.waiting')}`}
              className="w-full overflow-hidden"
              style={{ minHeight: height }}
              onMouseLeave={() => {
                setCursor(null);
              }}
            />
            {!hasData && (
              <p className="pointer-events-none absolute inset-x-0 top-1/3 text-center text-sm text-slate-600 dark:text-slate-400">
                {t('chart.waiting')}
              </p>
            )}
          </div>
          <div
            className="mt-1 flex flex-wrap items-baseline gap-x-4 gap-y-1 text-xs"
            data-legend=""
          >
            <span className="text-slate-600 tabular-nums dark:text-slate-400">
              {cursorTime === undefined || cursorTime === null
                ? t('chart.latest')
                : time(cursorTime * 1000)}
            </span>
            {series.map((s, i) => (
              <LegendItem
                key={s.label}
                swatch="h-0.5 w-3"
                style={{ backgroundColor: s.color }}
                label={s.label}
              >
                <strong className="tabular-nums" data-series-value={s.label}>
                  {at(aligned.ys[i] ?? [])}
                </strong>
              </LegendItem>
            ))}
            {lines.map((line) => (
              <LegendItem
                key={line.label}
                swatch="w-3 border-t-2 border-dashed"
                style={{ borderColor: line.color }}
                label={line.label}
              />
            ))}
            {markers.some((m) => m.tone === 'step') && (
              <LegendItem
                swatch="h-3 border-l border-dotted border-slate-500"
                label={t('chart.stepStarts')}
              />
            )}
            {ending.map((m) => (
              <LegendItem
                key={`${m.title}-${String(m.time)}`}
                swatch="h-3 border-l-2"
                className={cx(
                  'font-medium',
                  m.tone === 'bad'
                    ? 'text-red-700 dark:text-red-400'
                    : 'text-green-700 dark:text-green-400',
                )}
                label={`${m.title} ${time(m.time)}`}
              />
            ))}
          </div>
        </>
      )}
    </figure>
  );
}
