import { missedFires, nextFireTimes, type ScheduleSpec, type TaskSpec } from '@codedance/core';
import type { Clock } from '../clock.js';

/** Longest a timer may wait in Node; later fire times are re-armed on the way. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A task's schedule, counted (for intervals) from `anchor`, the ISO time its schedule started. */
export function scheduleOf(spec: TaskSpec, anchor: string): ScheduleSpec {
  return {
    ...(spec.cron === undefined ? {} : { cron: spec.cron }),
    ...(spec.timezone === undefined ? {} : { timezone: spec.timezone }),
    ...(spec.interval_minutes === undefined ? {} : { interval_minutes: spec.interval_minutes }),
    anchor: new Date(anchor),
  };
}

/** The next `count` fire times after `now`, enabled or not. */
export function upcomingFires(spec: TaskSpec, anchor: string, now: number, count: number): Date[] {
  return nextFireTimes(scheduleOf(spec, anchor), new Date(now), count);
}

/** True when a change of definition moves the schedule, which then starts again from the change. */
export function scheduleChanged(before: TaskSpec, after: TaskSpec): boolean {
  return (
    before.cron !== after.cron ||
    before.interval_minutes !== after.interval_minutes ||
    before.timezone !== after.timezone
  );
}

/** What a server finds on start about the fires that passed while no server ran the task. */
export interface MissedOnStart {
  /** The fires to run now, oldest first, as the task's misfire policy says. */
  run: Date[];
  /** True when fires were missed and the policy said to let them go. */
  skipped: boolean;
}

/**
 * The fires an enabled task missed between the last one handled
 * (`lastFireAt`, or its anchor when it never fired) and `now`.
 */
export function missedOnStart(
  spec: TaskSpec,
  state: { anchor: string; lastFireAt: string | null },
  now: number,
): MissedOnStart {
  const schedule = scheduleOf(spec, state.anchor);
  const since = new Date(state.lastFireAt ?? state.anchor);
  const run = missedFires(schedule, since, new Date(now), spec.misfire);
  const firstDue = nextFireTimes(schedule, since, 1)[0];
  return { run, skipped: run.length === 0 && firstDue !== undefined && firstDue.getTime() <= now };
}

export interface ScheduleTimersOptions {
  clock: Clock;
  /** A task's schedule as it is now; null when it should not fire (disabled, deleted). */
  schedule: (id: string) => ScheduleSpec | null;
  /** Handles a fire; the next one is armed once it settles, whatever its outcome. */
  fire: (id: string, due: Date) => Promise<void>;
  /** Told when `fire` rejects. */
  onError: (error: unknown, id: string) => void;
}

/**
 * One timer per task, armed for its next fire time. A timer that wakes
 * early (its wait was capped, or the clock moved) arms again instead of
 * firing. Timers do not keep the process alive.
 */
export class ScheduleTimers {
  readonly #options: ScheduleTimersOptions;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #closed = false;

  constructor(options: ScheduleTimersOptions) {
    this.#options = options;
  }

  /** (Re)arms a task for its next fire after now, or leaves it unarmed when it has none. */
  arm(id: string): void {
    this.disarm(id);
    if (this.#closed) return;
    const schedule = this.#options.schedule(id);
    if (!schedule) return;
    const now = this.#options.clock();
    const next = nextFireTimes(schedule, new Date(now), 1)[0];
    if (!next) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, next.getTime() - now));
    const timer = setTimeout(() => {
      this.#timers.delete(id);
      this.#wake(id, next);
    }, wait);
    timer.unref();
    this.#timers.set(id, timer);
  }

  disarm(id: string): void {
    const timer = this.#timers.get(id);
    if (timer) clearTimeout(timer);
    this.#timers.delete(id);
  }

  /** True while a task has a fire armed. */
  armed(id: string): boolean {
    return this.#timers.has(id);
  }

  /** Disarms every task for good. */
  close(): void {
    this.#closed = true;
    for (const id of [...this.#timers.keys()]) this.disarm(id);
  }

  #wake(id: string, due: Date): void {
    if (this.#closed) return;
    if (this.#options.clock() < due.getTime()) {
      this.arm(id);
      return;
    }
    this.#options.fire(id, due).then(
      () => {
        this.arm(id);
      },
      (error: unknown) => {
        this.#options.onError(error, id);
        this.arm(id);
      },
    );
  }
}
