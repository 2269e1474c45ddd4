import { cronSchedule } from './cron.js';

/** What to do with fire times that passed while nothing was running them. */
export const MISFIRE_POLICIES = ['skip', 'run_once', 'catch_up'] as const;
export type MisfirePolicy = (typeof MISFIRE_POLICIES)[number];

/**
 * When a task fires: a cron expression (with an optional IANA time zone), or
 * an interval in minutes counted from `anchor`, the moment its schedule
 * started. With neither the task runs only on demand.
 */
export interface ScheduleSpec {
  cron?: string | undefined;
  timezone?: string | undefined;
  interval_minutes?: number | undefined;
  anchor: Date;
}

const MAX_COUNT = 1000;

/**
 * The next `count` fire times strictly after `from` (count is clamped to
 * 1..1000). Interval fires are `anchor + k·interval` for k ≥ 1: a task
 * created at the anchor first runs one interval later. Cron fires follow
 * croner's DST rules: a fixed time inside a spring-forward gap runs right
 * after the gap, and an interval-like expression skips the missing times.
 * Throws croner's error for a cron that `validateTaskSpec` would refuse.
 */
export function nextFireTimes(spec: ScheduleSpec, from: Date, count: number): Date[] {
  const n = Math.min(MAX_COUNT, Math.max(1, Math.floor(count)));
  if (spec.cron !== undefined) return cronSchedule(spec.cron, spec.timezone).nextRuns(n, from);
  const step = intervalMs(spec);
  if (step === null) return [];
  const anchor = spec.anchor.getTime();
  const first = Math.max(1, Math.floor((from.getTime() - anchor) / step) + 1);
  return Array.from({ length: n }, (_, i) => new Date(anchor + (first + i) * step));
}

/**
 * The fire times in `(lastFireAt, now]` that the policy says to run now:
 * none for `skip`, the latest one for `run_once`, the latest `cap` ones for
 * `catch_up`, oldest first. A task that never fired has missed nothing;
 * pass its anchor as `lastFireAt` to count misses since it was scheduled.
 * Throws croner's error for a cron that `validateTaskSpec` would refuse.
 */
export function missedFires(
  spec: ScheduleSpec,
  lastFireAt: Date | null,
  now: Date,
  policy: MisfirePolicy,
  cap = 100,
): Date[] {
  if (lastFireAt === null || policy === 'skip' || now <= lastFireAt) return [];
  const wanted = policy === 'run_once' ? 1 : Math.min(MAX_COUNT, Math.max(0, Math.floor(cap)));
  if (wanted === 0) return [];
  return latestFiresUpTo(spec, now, wanted)
    .filter((fire) => fire > lastFireAt)
    .sort((a, b) => a.getTime() - b.getTime());
}

/** Up to `n` fire times at or before `now`, found backwards so a long outage costs nothing. */
function latestFiresUpTo(spec: ScheduleSpec, now: Date, n: number): Date[] {
  if (spec.cron !== undefined) {
    // previousRuns is exclusive of its reference; one millisecond later includes `now` itself.
    return cronSchedule(spec.cron, spec.timezone).previousRuns(n, new Date(now.getTime() + 1));
  }
  const step = intervalMs(spec);
  if (step === null) return [];
  const anchor = spec.anchor.getTime();
  const last = Math.floor((now.getTime() - anchor) / step);
  const fires: Date[] = [];
  for (let k = last; k >= 1 && fires.length < n; k--) fires.push(new Date(anchor + k * step));
  return fires;
}

function intervalMs(spec: ScheduleSpec): number | null {
  const minutes = spec.interval_minutes;
  if (minutes === undefined || !Number.isFinite(minutes) || minutes <= 0) return null;
  return Math.max(1, Math.round(minutes * 60_000));
}
