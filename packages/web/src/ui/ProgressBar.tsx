import { cx } from './cx';

/**
 * A progress bar; with `target`, a marker shows where it is headed (the
 * desired weight) while the bar shows where it is (the actual weight).
 */
export function ProgressBar({
  value,
  target,
  label,
  tone = 'blue',
}: {
  value: number;
  target?: number | null;
  label: string;
  tone?: 'blue' | 'green' | 'red' | 'amber';
}) {
  const clamp = (v: number) => Math.max(0, Math.min(100, v));
  const fill = {
    blue: 'bg-blue-600 dark:bg-blue-400',
    green: 'bg-green-600 dark:bg-green-400',
    red: 'bg-red-600 dark:bg-red-400',
    amber: 'bg-amber-500 dark:bg-amber-400',
  }[tone];
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(clamp(value))}
      className="relative h-3 w-full overflow-visible rounded-full bg-slate-200 dark:bg-slate-800"
    >
      <div
        className={cx('h-full rounded-full transition-[width] duration-500', fill)}
        style={{ width: `${clamp(value)}%` }}
      />
      {target !== undefined && target !== null && (
        <div
          aria-hidden="true"
          className="absolute -top-1 h-5 w-0.5 bg-slate-900 dark:bg-slate-100"
          style={{ left: `calc(${clamp(target)}% - 1px)` }}
        />
      )}
    </div>
  );
}
